package dev.nixpool.remote;

/**
 * Opens sessions to builders. The one real implementation speaks SSH (MINA, host key pinned) and Nix's serve protocol;
 * the lifecycle depends only on this interface.
 */
public interface BuilderConnector {

    /**
     * Connects, authenticates and completes the serve handshake: this is the builder's health check. Bounded in time by
     * the connector's configured timeouts.
     */
    BuilderSession open(BuilderAddress address, BuilderCredentials credentials) throws BuilderException;
}
