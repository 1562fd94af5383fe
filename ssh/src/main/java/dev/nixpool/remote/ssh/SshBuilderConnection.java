package dev.nixpool.remote.ssh;

import java.util.Objects;

import dev.nixpool.remote.BuilderConnection;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.ssh.ServeStartException;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.Watchdog;

/**
 * A logged-in SSH connection to a builder that outlives its sessions: each {@link #session} is a channel of its own
 * ({@code nix-store --serve --write} and the session's evaluations), so sessions run side by side on one login, and a
 * failed or closed session leaves the connection to the next. MINA's keep-alive notices a builder that went away.
 */
public final class SshBuilderConnection implements BuilderConnection {

    private final SshSession ssh;
    private final Watchdog watchdog;
    private final BuilderTimeouts timeouts;
    private final BuilderLimits limits;

    SshBuilderConnection(SshSession ssh, Watchdog watchdog, BuilderTimeouts timeouts, BuilderLimits limits) {
        this.ssh = ssh;
        this.watchdog = watchdog;
        this.timeouts = timeouts;
        this.limits = limits;
    }

    @Override
    public BuilderSession session(NixSettings settings) throws BuilderException {
        Objects.requireNonNull(settings, "settings");
        try {
            return SshBuilderSession.start(ssh, false, watchdog, timeouts, settings, limits);
        } catch (SshTransportException e) {
            throw BuilderFailures.transport(e);
        } catch (ServeStartException e) {
            throw BuilderFailures.serveStart(e);
        }
    }

    /**
     * The evaluator is started before the serve process: Nix starting up (libraries, settings, the store opened) takes
     * about as long in either, and both get ready side by side instead of one after the other.
     */
    @Override
    public BuilderSession preparedSession(NixSettings settings) throws BuilderException {
        Objects.requireNonNull(settings, "settings");
        try {
            return SshBuilderSession.startPrepared(ssh, watchdog, timeouts, settings, limits);
        } catch (SshTransportException e) {
            throw BuilderFailures.transport(e);
        } catch (ServeStartException e) {
            throw BuilderFailures.serveStart(e);
        }
    }

    @Override
    public boolean isOpen() {
        return ssh.isOpen();
    }

    @Override
    public void close() {
        ssh.close();
    }

    @Override
    public String toString() {
        return "connection to " + ssh.target();
    }
}
