package dev.nixpool.logs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import dev.nixpool.remote.LogSink;

/**
 * One attempt's log file, appended line by line as the builder sends it (flushed per line, so the log endpoint shows a
 * running build). Past its byte budget the rest is dropped and one line says so.
 */
public final class BuildLog implements LogSink, AutoCloseable {

    private final OutputStream out;
    private final long maxBytes;
    private long remaining;
    private boolean truncated;
    private boolean broken;

    BuildLog(OutputStream out, long budget, long maxBytes) {
        this.out = out;
        this.remaining = budget;
        this.maxBytes = maxBytes;
    }

    /** Called from the thread that talks to the builder; a full disk must not fail the build, only its log. */
    @Override
    public synchronized void line(String line) {
        if (truncated || broken) {
            return;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (bytes.length > remaining) {
                truncated = true;
                out.write(("[nixpool] log truncated: this build's logs reached nixpool.logs.max-bytes (" + maxBytes
                        + " bytes)\n").getBytes(StandardCharsets.UTF_8));
            } else {
                out.write(bytes);
                remaining -= bytes.length;
            }
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw new UncheckedIOException("cannot write the build log", e);
        }
    }

    public synchronized boolean truncated() {
        return truncated;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the build log", e);
        }
    }
}
