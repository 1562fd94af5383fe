package dev.nixpool.ssh;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

import dev.nixpool.nix.serve.ProtocolMismatchException;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.nix.wire.WireTruncatedException;

/**
 * {@code nix-store --serve --write} running on an SSH login, greeted: its {@link ServeClient}, the version it answered
 * and the tail of its stderr. What {@code nixpool ping} checks and what the operator's builder sessions talk over.
 * Closing it closes the exec channel; the remote {@code nix-store} sees its stdin hang up.
 */
public final class ServeChannel implements AutoCloseable {

    /** How long to wait for the exit status of a command whose stdout already ended. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(5);

    private final RemoteProcess process;
    private final ServeClient client;
    private final int version;
    private final StderrTail stderr;

    private ServeChannel(RemoteProcess process, ServeClient client, int version, StderrTail stderr) {
        this.process = process;
        this.client = client;
        this.version = version;
        this.stderr = stderr;
    }

    /**
     * Runs {@link ServeProtocol#REMOTE_COMMAND} and does the handshake within {@code limit} (the watchdog closes the
     * channel if the answer does not come).
     *
     * @param stderrLines every stderr line of the command, called on MINA's I/O threads (quick, non-throwing)
     * @throws SshTransportException the channel could not be opened
     * @throws ServeStartException the command did not answer as Nix's serve protocol; the message says why and how
     *         to fix it
     */
    public static ServeChannel start(SshSession session, Consumer<String> stderrLines, Duration limit,
            Watchdog watchdog) throws SshTransportException, ServeStartException {
        return start(session, ServeProtocol.REMOTE_COMMAND, stderrLines, limit, watchdog);
    }

    /**
     * As {@link #start(SshSession, Consumer, Duration, Watchdog)}, running {@code command}: {@code nix-store --serve
     * --write} with options of the caller's (quoted for the remote shell by the caller).
     */
    public static ServeChannel start(SshSession session, String command, Consumer<String> stderrLines,
            Duration limit, Watchdog watchdog) throws SshTransportException, ServeStartException {
        return start(session, command, stderrLines, limit, watchdog, ReplyLimits.DEFAULTS);
    }

    /** As {@link #start(SshSession, String, Consumer, Duration, Watchdog)}, with {@code replies} bounding each reply. */
    public static ServeChannel start(SshSession session, String command, Consumer<String> stderrLines,
            Duration limit, Watchdog watchdog, ReplyLimits replies) throws SshTransportException, ServeStartException {
        StderrTail stderr = new StderrTail(stderrLines);
        RemoteProcess process = session.exec(command, stderr);
        ServeClient client = new ServeClient(process.stdout(), process.stdin(), replies);
        try (Watchdog.Guard guard = watchdog.arm(limit, process::close)) {
            int version;
            try {
                version = client.handshake();
            } catch (IOException | RuntimeException e) {
                ServeStartFailure failure = guard.fired()
                        ? ServeStartFailure.handshakeTimeout(session.target(), limit, stderr.lines())
                        : classify(session.target(), process, e, stderr);
                process.close();
                throw new ServeStartException(failure, e);
            }
            return new ServeChannel(process, client, version, stderr);
        }
    }

    private static ServeStartFailure classify(SshTarget target, RemoteProcess process, Exception cause,
            StderrTail stderr) {
        if (cause instanceof ProtocolMismatchException mismatch) {
            return ServeStartFailure.loginOutput(target, mismatch.printedText());
        }
        if (cause instanceof WireTruncatedException || !process.isOpen()) {
            Integer status;
            try {
                status = process.waitFor(EXIT_GRACE);
            } catch (SshTransportException e) {
                status = null;
            }
            return ServeStartFailure.remoteExited(target, status, stderr.lines());
        }
        return ServeStartFailure.handshakeFailed(target, String.valueOf(cause.getMessage()), stderr.lines());
    }

    public ServeClient client() {
        return client;
    }

    /** The version the server answered (0x207 for Nix 2.4 to 2.34). */
    public int version() {
        return version;
    }

    /** The last lines the serve process printed on stderr. */
    public StderrTail stderr() {
        return stderr;
    }

    public RemoteProcess process() {
        return process;
    }

    public boolean isOpen() {
        return process.isOpen();
    }

    @Override
    public void close() {
        process.close();
    }
}
