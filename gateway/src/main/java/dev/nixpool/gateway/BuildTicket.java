package dev.nixpool.gateway;

import java.util.function.Consumer;

/**
 * One client build handed to the broker: it waits its turn for a builder, and the client's connection then drives the
 * build on that builder and reports back here. Every method may be called from the connection's thread; {@link #close}
 * also from MINA's when the client hangs up.
 */
public interface BuildTicket extends AutoCloseable {

    /** How users find the build (e.g. {@code NixBuild ns/name}), for messages on the client's stderr. */
    String description();

    /**
     * Blocks until the build has a builder. {@code waiting} hears progress worth telling the client (queue position,
     * a builder starting), at most a line per change.
     *
     * @throws BrokerException the build cannot get a builder (it failed, timed out, or was deleted)
     */
    BuilderLease awaitBuilder(Consumer<String> waiting) throws BrokerException, InterruptedException;

    /** The gateway logged in to the builder and the serve handshake is done. */
    void connected(String description);

    /** A line of the build's log (the builder's stderr). */
    void log(String line);

    /**
     * Runs {@code onCancel} with the reason if the broker takes the builder away (lost, deleted, timed out); the
     * connection then closes its builder link, and the client sees the reason.
     */
    void onCancel(Consumer<String> onCancel);

    /** Nix's verdict; the builder stays with this client until {@link #close} (the client still copies outputs). */
    void finished(BuildOutcome outcome);

    /** The build ended without Nix's verdict: the builder link broke, or the gateway failed. */
    void failed(String message);

    /** The client's connection ended: the build, if still going, is cancelled and the builder given back. */
    @Override
    void close();
}
