package dev.nixpool.ssh;

import java.io.IOException;
import java.security.PublicKey;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.future.CancelOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

import dev.nixpool.ssh.SshFailures.Step;

/** A logged-in SSH connection to one target; runs commands on it. Close it to end the connection. */
public final class SshSession implements AutoCloseable {

    private final SshTarget target;
    private final ClientSession session;
    private final PublicKey hostKey;
    private final SshTimeouts timeouts;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    SshSession(SshTarget target, ClientSession session, PublicKey hostKey, SshTimeouts timeouts) {
        this.target = target;
        this.session = session;
        this.hostKey = hostKey;
        this.timeouts = timeouts;
        session.addSessionListener(new SessionListener() {
            @Override
            public void sessionException(Session s, Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
    }

    public SshTarget target() {
        return target;
    }

    /** The host key the server proved it holds (one of the pinned keys). */
    public PublicKey hostKey() {
        return hostKey;
    }

    /** The server's identification, e.g. {@code SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10}. */
    public String serverVersion() {
        return session.getServerVersion();
    }

    /** The cipher negotiated for what we send (e.g. {@code aes128-gcm@openssh.com}). */
    public String cipher() {
        return session.getNegotiatedKexParameter(org.apache.sshd.common.kex.KexProposalOption.C2SENC);
    }

    public boolean isOpen() {
        return session.isOpen();
    }

    /**
     * Starts {@code command} (run by the remote user's shell, as OpenSSH does). Stdout is a flow-controlled stream;
     * stderr goes line by line to {@code stderrLines}, called on MINA's I/O threads, so it must be quick and must not
     * throw.
     */
    public RemoteProcess exec(String command, Consumer<String> stderrLines) throws SshTransportException {
        Objects.requireNonNull(stderrLines, "stderrLines");
        ChannelExec channel = null;
        try {
            channel = session.createExecChannel(command);
            LineSplittingOutputStream stderr = new LineSplittingOutputStream(stderrLines);
            channel.setErr(stderr);
            channel.open().verify(timeouts.channelOpen(), CancelOption.CANCEL_ON_TIMEOUT);
            return new RemoteProcess(this, command, channel, stderr);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close(true);
            }
            throw SshFailures.classify(Step.OPEN_CHANNEL, target, e, null, session, null, timeouts.channelOpen());
        }
    }

    /** Why the connection broke, if it did: for messages of a command or protocol that lost its channel. */
    public String lossReason() {
        Throwable t = failure.get();
        if (t == null) {
            return "the server closed the connection";
        }
        String message = SshFailures.rootMessage(t);
        return message.contains("heartbeat")
                ? "the server stopped answering keep-alives (" + message + ")"
                : "the connection failed: " + message;
    }

    @Override
    public void close() {
        session.close(true);
    }
}
