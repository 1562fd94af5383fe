package dev.nixpool.ssh;

/** {@link ServeChannel#start} failed after the SSH login: the remote is no working Nix serve endpoint. */
public class ServeStartException extends Exception {

    private final transient ServeStartFailure failure;

    public ServeStartException(ServeStartFailure failure, Throwable cause) {
        super(failure.what(), cause);
        this.failure = failure;
    }

    public ServeStartFailure failure() {
        return failure;
    }
}
