package dev.nixpool.gateway;

import java.util.function.Consumer;

/** Opens a {@link BuilderLink} to a leased builder. */
@FunctionalInterface
public interface BuilderDialer {

    /**
     * Logs in (host key pinned) and completes the serve handshake.
     *
     * @param stderr the builder's stderr lines (the build log), called on I/O threads: quick, never throwing
     * @throws BrokerException the builder could not be reached or is no working Nix; the message says why
     */
    BuilderLink dial(BuilderLease lease, Consumer<String> stderr) throws BrokerException;
}
