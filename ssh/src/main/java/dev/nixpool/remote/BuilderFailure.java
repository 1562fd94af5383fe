package dev.nixpool.remote;

/** Why talking to a builder failed; decides whether a new attempt on a fresh builder can help. */
public enum BuilderFailure {
    /** TCP connect refused, unreachable, timed out, or the connection dropped mid-session: the builder is gone. */
    UNREACHABLE(true),
    /** The builder presented another host key than the one in its Secret. */
    HOST_KEY_MISMATCH(false),
    /** The builder refused the client key. */
    AUTH_REFUSED(false),
    /** The login printed to stdout before Nix's protocol, or the remote is not a Nix serve endpoint. */
    PROTOCOL_MISMATCH(false),
    /** The remote has no nix-store on its PATH. */
    NIX_NOT_FOUND(false),
    /** The peer answered with bytes the protocol does not allow, or stopped answering within the time allowed. */
    PROTOCOL_ERROR(true),
    /** Evaluating the expression or flake failed on the builder (the message holds the evaluator's error). */
    EVALUATION_FAILED(false),
    /** The derivation is not on the builder and its substituters do not have it. */
    DERIVATION_UNAVAILABLE(false),
    /**
     * The builder sent more than the configured bounds allow: store paths or bytes in one reply, or log bytes of one
     * build. A fresh builder of the same image would do the same, so it is not retried.
     */
    LIMIT_EXCEEDED(false);

    private final boolean retryable;

    BuilderFailure(boolean retryable) {
        this.retryable = retryable;
    }

    /** True when a fresh builder might succeed where this one failed. */
    public boolean retryable() {
        return retryable;
    }
}
