package dev.nixpool.ssh;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;

/**
 * A command running on the remote side of a {@link SshSession}. Stdin and stdout are the channel's data streams (use
 * them with {@code new ServeClient(stdout(), stdin())}); stderr went to the line consumer given to
 * {@link SshSession#exec}. Closing the process closes its channel: OpenSSH then closes the command's pipes.
 */
public final class RemoteProcess implements AutoCloseable {

    private final SshSession session;
    private final String command;
    private final ChannelExec channel;
    private final LineSplittingOutputStream stderr;

    RemoteProcess(SshSession session, String command, ChannelExec channel, LineSplittingOutputStream stderr) {
        this.session = session;
        this.command = command;
        this.channel = channel;
        this.stderr = stderr;
    }

    /** The command's stdin; {@code close()} sends EOF. Writes are buffered: flush them. */
    public OutputStream stdin() {
        return channel.getInvertedIn();
    }

    /** The command's stdout; ends when the command closes it or the channel closes. */
    public InputStream stdout() {
        return channel.getInvertedOut();
    }

    /**
     * Waits for the command's exit status.
     *
     * @throws SshTransportException {@link SshFailureReason#TIMEOUT} if it is still running after {@code limit};
     *         {@link SshFailureReason#DISCONNECTED} if the connection died first (keep-alive unanswered, server gone);
     *         {@link SshFailureReason#CHANNEL_FAILED} if it was killed by a signal
     */
    public int waitFor(Duration limit) throws SshTransportException {
        Set<ClientChannelEvent> events = channel.waitFor(
                EnumSet.of(ClientChannelEvent.EXIT_STATUS, ClientChannelEvent.EXIT_SIGNAL, ClientChannelEvent.CLOSED),
                limit);
        Integer status = channel.getExitStatus();
        if (status != null) {
            return status;
        }
        String signal = channel.getExitSignal();
        if (signal != null) {
            throw new SshTransportException(SshFailureReason.CHANNEL_FAILED,
                    "'" + command + "' on " + session.target() + " was killed by signal " + signal);
        }
        if (events.contains(ClientChannelEvent.TIMEOUT)) {
            throw new SshTransportException(SshFailureReason.TIMEOUT, "'" + command + "' on " + session.target()
                    + " did not exit within " + SshFailures.seconds(limit));
        }
        throw new SshTransportException(SshFailureReason.DISCONNECTED, "'" + command + "' on " + session.target()
                + " ended without an exit status: " + session.lossReason());
    }

    /** The exit status if the command has already exited, else null. */
    public Integer exitStatus() {
        return channel.getExitStatus();
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        channel.close(true);
        stderr.close();
    }
}
