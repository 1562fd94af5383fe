package dev.nixpool.gateway;

import java.time.Duration;
import java.util.function.Consumer;

import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.ServeChannel;
import dev.nixpool.ssh.ServeStartException;
import dev.nixpool.ssh.SshConnector;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.Watchdog;

/** Builder links over SSH (MINA client, host key pinned) running {@code nix-store --serve --write}. */
public final class SshBuilderDialer implements BuilderDialer, AutoCloseable {

    private final SshConnector connector = new SshConnector();
    private final Watchdog watchdog = new Watchdog("nixpool-gateway-handshake");
    private final SshTimeouts timeouts;
    private final Duration handshake;

    public SshBuilderDialer(SshTimeouts timeouts, Duration handshake) {
        this.timeouts = timeouts;
        this.handshake = handshake;
    }

    @Override
    public BuilderLink dial(BuilderLease lease, Consumer<String> stderr) throws BrokerException {
        SshTarget target = new SshTarget(lease.host(), lease.port(), lease.user());
        SshSession session;
        try {
            session = connector.connect(target, lease.clientPrivateKey(), lease.hostPublicKey(), timeouts);
        } catch (SshTransportException e) {
            throw new BrokerException("cannot log in to builder " + lease.builderName() + ": " + e.getMessage(), e);
        }
        try {
            ServeChannel channel = ServeChannel.start(session, stderr, handshake, watchdog);
            return new Link(session, channel);
        } catch (SshTransportException | ServeStartException e) {
            session.close();
            throw new BrokerException("builder " + lease.builderName() + " did not start Nix's serve protocol: "
                    + e.getMessage(), e);
        }
    }

    private record Link(SshSession session, ServeChannel channel) implements BuilderLink {

        @Override
        public ServeClient client() {
            return channel.client();
        }

        @Override
        public String description() {
            return "serve protocol " + ServeProtocol.format(channel.version()) + ", host key "
                    + HostKeys.fingerprint(session.hostKey()) + ", " + session.cipher();
        }

        @Override
        public String lossReason() {
            return session.isOpen() ? "its serve process ended" : session.lossReason();
        }

        @Override
        public void close() {
            channel.close();
            session.close();
        }
    }

    @Override
    public void close() {
        watchdog.close();
        connector.close();
    }
}
