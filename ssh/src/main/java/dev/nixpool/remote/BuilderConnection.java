package dev.nixpool.remote;

/**
 * A logged-in connection to one builder (the host key pinned), kept open so that sessions started on it pay neither the
 * SSH login nor the key exchange. Each session has its own serve process; closing one leaves the connection and the
 * other sessions alone. Thread-safe: sessions may be started from several threads at once.
 */
public interface BuilderConnection extends AutoCloseable {

    /**
     * Starts {@code nix-store --serve --write} with {@code settings} on this connection and greets it. Bounded by the
     * connector's handshake timeout. Closing the session ends its serve process only.
     */
    BuilderSession session(NixSettings settings) throws BuilderException;

    /**
     * A session as {@link #session}, {@link BuilderSession#prepare() prepared} for its first evaluation. A connection
     * may start the evaluator first, so that it gets ready while the serve process starts and greets.
     */
    default BuilderSession preparedSession(NixSettings settings) throws BuilderException {
        BuilderSession session = session(settings);
        session.prepare();
        return session;
    }

    /** False once the connection broke or was closed: sessions cannot be started on it any more. */
    boolean isOpen();

    /** Ends the connection and with it every session on it. */
    @Override
    void close();
}
