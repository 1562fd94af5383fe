package dev.nixpool.ssh;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Turns a byte stream (a remote stderr) into lines for a consumer. Lines end at {@code \n}; a trailing {@code \r} is
 * dropped; an over-long line is cut so a remote that never prints a newline cannot grow memory without bound.
 */
final class LineSplittingOutputStream extends OutputStream {

    static final int MAX_LINE = 64 * 1024;

    private final Consumer<String> lines;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();

    LineSplittingOutputStream(Consumer<String> lines) {
        this.lines = lines;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
            return;
        }
        current.write(b);
        if (current.size() >= MAX_LINE) {
            emit();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    /** A last line without newline is still a line. */
    @Override
    public synchronized void close() {
        if (current.size() > 0) {
            emit();
        }
    }

    private void emit() {
        String line = current.toString(StandardCharsets.UTF_8);
        current.reset();
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        lines.accept(line);
    }
}
