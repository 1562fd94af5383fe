package dev.nixpool.remote;

/** A failure talking to a builder, with a message fit for a status condition (no key material). */
public class BuilderException extends Exception {

    private final BuilderFailure failure;

    public BuilderException(BuilderFailure failure, String message) {
        super(message);
        this.failure = failure;
    }

    public BuilderException(BuilderFailure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    public BuilderFailure failure() {
        return failure;
    }
}
