package dev.nixpool.remote;

/**
 * Opens sessions to builders. The one real implementation speaks SSH (MINA, host key pinned) and Nix's serve protocol;
 * the lifecycle depends only on this interface.
 */
public interface BuilderConnector {

    /**
     * Connects, authenticates and completes the serve handshake: this is the builder's health check. Bounded in time by
     * the connector's configured timeouts. Every Nix command the session runs on the builder gets {@code settings}, so
     * a session serves one build (or builds that share its settings).
     */
    BuilderSession open(BuilderAddress address, BuilderCredentials credentials, NixSettings settings)
            throws BuilderException;

    /**
     * Connects and authenticates only, for sessions started later on the same connection. Connectors that cannot keep
     * a connection (test doubles) give one whose every session is a connection of its own, opened by
     * {@link #open(BuilderAddress, BuilderCredentials, NixSettings)}.
     */
    default BuilderConnection connect(BuilderAddress address, BuilderCredentials credentials) throws BuilderException {
        BuilderConnector connector = this;
        return new BuilderConnection() {
            private volatile boolean open = true;

            @Override
            public BuilderSession session(NixSettings settings) throws BuilderException {
                return connector.open(address, credentials, settings);
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
    }

    /** A session with the builder's own Nix settings only: a health check, or a build without settings of its own. */
    default BuilderSession open(BuilderAddress address, BuilderCredentials credentials) throws BuilderException {
        return open(address, credentials, NixSettings.NONE);
    }
}
