package dev.nixpool.runner;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.nixpool.cache.SshDaemonStores;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.remote.ssh.BuilderLimits;
import dev.nixpool.remote.ssh.BuilderTimeouts;
import dev.nixpool.remote.ssh.SshBuilderConnector;
import dev.nixpool.ssh.SshTimeouts;

/** The operator's one {@link dev.nixpool.remote.BuilderConnector} to builders: SSH (MINA) and Nix's serve protocol, with the configured time limits. */
@ApplicationScoped
public class ConnectorProducer {

    @Produces
    @Singleton
    SshBuilderConnector connector(NixpoolConfig config) {
        return new SshBuilderConnector(timeouts(config.session()), limits(config.builderLimits()));
    }

    void close(@Disposes SshBuilderConnector connector) {
        connector.close();
    }

    /** ssh-ng:// upload destinations, with the builders' SSH time limits. */
    @Produces
    @Singleton
    SshDaemonStores daemonStores(NixpoolConfig config) {
        BuilderTimeouts t = timeouts(config.session());
        return new SshDaemonStores(t.ssh(), t.handshake(), t.operation());
    }

    void close(@Disposes SshDaemonStores stores) {
        stores.close();
    }

    static BuilderLimits limits(NixpoolConfig.BuilderLimits limits) {
        return new BuilderLimits(new ReplyLimits(limits.maxReplyBytes(), limits.maxPathsPerReply()),
                limits.maxLogBytesPerBuild());
    }

    static BuilderTimeouts timeouts(NixpoolConfig.Session session) {
        SshTimeouts ssh = new SshTimeouts(session.connectTimeout(), session.authTimeout(),
                session.channelOpenTimeout(), session.keepAliveInterval(), session.keepAliveMaxMissed());
        return new BuilderTimeouts(ssh, session.handshakeTimeout(), session.operationTimeout(),
                session.evaluationTimeout());
    }
}
