package dev.nixpool.remote.ssh;

import java.util.Objects;

import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderConnector;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.ssh.ServeStartException;
import dev.nixpool.ssh.SshConnector;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.Watchdog;

/**
 * Opens {@link SshBuilderSession}s: SSH with MINA (the builder's host key pinned, its client key the only credential),
 * then {@code nix-store --serve --write} (with the build's {@link NixSettings}) and its handshake. Failures carry the
 * same diagnoses as {@code nixpool ping}.
 * <p>
 * Thread-safe; one per application. Close it when the application stops: it owns a timer thread (and, with the
 * one-argument constructor, the MINA client).
 */
public final class SshBuilderConnector implements BuilderConnector, AutoCloseable {

    private final SshConnector ssh;
    private final boolean ownsSsh;
    private final BuilderTimeouts timeouts;
    private final BuilderLimits limits;
    private final Watchdog watchdog = new Watchdog("nixpool-builder-watchdog");

    /** With a MINA client of its own. */
    public SshBuilderConnector(BuilderTimeouts timeouts) {
        this(new SshConnector(), true, timeouts);
    }

    /** With a MINA client of its own and {@code limits} on what builders may send. */
    public SshBuilderConnector(BuilderTimeouts timeouts, BuilderLimits limits) {
        this(new SshConnector(), true, timeouts, limits);
    }

    /** Shares {@code ssh} (not closed by {@link #close()}). */
    public SshBuilderConnector(SshConnector ssh, BuilderTimeouts timeouts) {
        this(ssh, false, timeouts, BuilderLimits.DEFAULTS);
    }

    private SshBuilderConnector(SshConnector ssh, boolean ownsSsh, BuilderTimeouts timeouts) {
        this(ssh, ownsSsh, timeouts, BuilderLimits.DEFAULTS);
    }

    private SshBuilderConnector(SshConnector ssh, boolean ownsSsh, BuilderTimeouts timeouts, BuilderLimits limits) {
        this.ssh = Objects.requireNonNull(ssh, "ssh");
        this.ownsSsh = ownsSsh;
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public BuilderTimeouts timeouts() {
        return timeouts;
    }

    @Override
    public BuilderSession open(BuilderAddress address, BuilderCredentials credentials, NixSettings settings)
            throws BuilderException {
        Objects.requireNonNull(settings, "settings");
        SshSession session = login(address, credentials);
        try {
            return SshBuilderSession.start(session, true, watchdog, timeouts, settings, limits);
        } catch (SshTransportException e) {
            session.close();
            throw BuilderFailures.transport(e);
        } catch (ServeStartException e) {
            session.close();
            throw BuilderFailures.serveStart(e);
        }
    }

    @Override
    public SshBuilderConnection connect(BuilderAddress address, BuilderCredentials credentials)
            throws BuilderException {
        return new SshBuilderConnection(login(address, credentials), watchdog, timeouts, limits);
    }

    private SshSession login(BuilderAddress address, BuilderCredentials credentials) throws BuilderException {
        SshTarget target = new SshTarget(address.host(), address.port(), address.user());
        try {
            return ssh.connect(target, credentials.clientPrivateKey(), credentials.hostPublicKey(), timeouts.ssh());
        } catch (SshTransportException e) {
            throw BuilderFailures.transport(e);
        }
    }

    @Override
    public void close() {
        watchdog.close();
        if (ownsSsh) {
            ssh.close();
        }
    }
}
