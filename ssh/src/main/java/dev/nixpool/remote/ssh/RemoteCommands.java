package dev.nixpool.remote.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.LogSink;
import dev.nixpool.ssh.RemoteProcess;
import dev.nixpool.ssh.ServeStartFailure;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.StderrTail;
import dev.nixpool.ssh.Watchdog;

/**
 * The short commands a builder session runs beside its serve channel (evaluations), each on its own exec channel:
 * input on stdin, stdout bounded, stderr to the call's log, all within a time limit. {@link #close()} (from any thread)
 * ends the running ones.
 */
final class RemoteCommands implements AutoCloseable {

    /** What an evaluation prints on stdout: one .drv path per line. */
    static final int MAX_OUTPUT = 64 * 1024;

    record Result(int status, byte[] stdout, List<String> stderr) {
    }

    private final SshSession ssh;
    private final Watchdog watchdog;
    private final Set<RemoteProcess> running = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    RemoteCommands(SshSession ssh, Watchdog watchdog) {
        this.ssh = ssh;
        this.watchdog = watchdog;
    }

    /**
     * A command started ahead of its input: the remote program is running (for Nix: started, store opened) and waits
     * for its stdin. Its stderr goes to the sink of whoever completes it.
     */
    final class Started {
        private final String command;
        private final RemoteProcess process;
        private final StderrTail stderr;
        private final AtomicReference<LogSink> log;

        private Started(String command, RemoteProcess process, StderrTail stderr, AtomicReference<LogSink> log) {
            this.command = command;
            this.process = process;
            this.stderr = stderr;
            this.log = log;
        }

        String command() {
            return command;
        }

        boolean isOpen() {
            return process.isOpen() && !closed;
        }

        void close() {
            running.remove(process);
            process.close();
        }
    }

    /** Runs {@code command} with {@code input} as its stdin and waits for its exit status, within {@code limit}. */
    Result run(String what, String command, byte[] input, LogSink log, Duration limit) throws BuilderException {
        return complete(what, start(what, command), input, log, limit);
    }

    /** Starts {@code command} for {@link #complete} later (its stdin stays open until then). */
    Started start(String what, String command) throws BuilderException {
        if (closed) {
            throw new BuilderException(BuilderFailure.PROTOCOL_ERROR,
                    "cannot start " + what + ": the session with " + ssh.target() + " was closed");
        }
        AtomicReference<LogSink> log = new AtomicReference<>();
        StderrTail stderr = new StderrTail(line -> deliver(log.get(), line));
        RemoteProcess process = exec(command, stderr);
        running.add(process);
        if (closed) {
            process.close();
        }
        return new Started(command, process, stderr, log);
    }

    /** Gives a started command its input and waits for its exit status, within {@code limit}; then it is closed. */
    Result complete(String what, Started started, byte[] input, LogSink log, Duration limit) throws BuilderException {
        started.log.set(log);
        RemoteProcess process = started.process;
        try (process; Watchdog.Guard guard = watchdog.arm(limit, process::close)) {
            try {
                try (OutputStream stdin = process.stdin()) {
                    stdin.write(input);
                }
                byte[] out = readBounded(process.stdout(), what);
                int status = process.waitFor(limit);
                return new Result(status, out, started.stderr.lines());
            } catch (IOException e) {
                throw failure(what, limit, guard, started.stderr, e);
            }
        } finally {
            running.remove(process);
        }
    }

    private BuilderException failure(String what, Duration limit, Watchdog.Guard guard, StderrTail stderr,
            IOException e) {
        if (closed) {
            return new BuilderException(BuilderFailure.PROTOCOL_ERROR,
                    "the session with " + ssh.target() + " was closed during " + what, e);
        }
        if (guard.fired()) {
            List<String> lines = stderr.lines();
            return new BuilderException(BuilderFailure.PROTOCOL_ERROR, what + " on " + ssh.target()
                    + " did not finish within " + BuilderFailures.seconds(limit)
                    + (lines.isEmpty() ? "" : ServeStartFailure.quote(lines)), e);
        }
        if (!ssh.isOpen()) {
            return new BuilderException(BuilderFailure.UNREACHABLE,
                    "connection to the builder was lost during " + what + ": " + ssh.lossReason(), e);
        }
        if (e instanceof SshTransportException t) {
            return BuilderFailures.transport(t);
        }
        return new BuilderException(BuilderFailure.PROTOCOL_ERROR,
                what + " on " + ssh.target() + " failed: " + e.getMessage(), e);
    }

    private RemoteProcess exec(String command, StderrTail stderr) throws BuilderException {
        try {
            return ssh.exec(command, stderr);
        } catch (SshTransportException e) {
            throw BuilderFailures.transport(e);
        }
    }

    private static byte[] readBounded(InputStream in, String what) throws IOException {
        BoundedBuffer out = new BoundedBuffer(MAX_OUTPUT, "the output of " + what);
        in.transferTo(out);
        return out.toByteArray();
    }

    /** Log sinks run on MINA's I/O threads: one that throws must not break the channel. */
    static void deliver(LogSink log, String line) {
        if (log == null) {
            return;
        }
        try {
            log.line(line);
        } catch (RuntimeException e) {
            // the sink's own failure; the build goes on
        }
    }

    @Override
    public void close() {
        closed = true;
        running.forEach(RemoteProcess::close);
    }
}
