package dev.nixpool.logs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.nixpool.remote.LogSink;

/**
 * One attempt's log file, appended line by line as the builder sends it (flushed per line, so the log endpoint shows a
 * running build). Past its byte budget, or when the store as a whole is full of logs still being written, the rest is
 * dropped and one line says so.
 */
public final class BuildLog implements LogSink, AutoCloseable {

    private final OutputStream out;
    private final long maxBytes;
    private final LogSpace space;
    private final Path buildDir;
    private long remaining;
    private boolean truncated;
    private boolean broken;

    BuildLog(OutputStream out, long budget, long maxBytes, LogSpace space, Path buildDir) {
        this.out = out;
        this.remaining = budget;
        this.maxBytes = maxBytes;
        this.space = space;
        this.buildDir = buildDir;
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
                truncate("this build's logs reached nixpool.logs.max-bytes (" + maxBytes + " bytes)");
            } else if (!space.reserve(bytes.length)) {
                truncate("the log store is full (nixpool.logs.max-total-bytes, " + space.maxTotalBytes()
                        + " bytes) of logs of builds still running");
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

    private void truncate(String why) throws IOException {
        truncated = true;
        out.write(("[nixpool] log truncated: " + why + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public synchronized boolean truncated() {
        return truncated;
    }

    @Override
    public synchronized void close() {
        space.closed(buildDir);
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the build log", e);
        }
    }
}
