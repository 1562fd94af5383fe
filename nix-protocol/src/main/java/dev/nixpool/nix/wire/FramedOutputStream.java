package dev.nixpool.nix.wire;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Nix's framed stream (worker protocol >= 1.23, AddToStoreNar and AddMultipleToStore): chunks of {@code [u64 len][len
 * bytes, not padded]}, ended by a chunk of length 0 written by {@link #close()}. Closing does not close the underlying
 * stream, which carries the rest of the conversation.
 */
public class FramedOutputStream extends OutputStream {

    public static final int DEFAULT_CHUNK = 64 * 1024;

    private final WireWriter out;
    private final byte[] buffer;
    private int filled;
    private boolean closed;

    public FramedOutputStream(OutputStream out) {
        this(out, DEFAULT_CHUNK);
    }

    public FramedOutputStream(OutputStream out, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        }
        this.out = new WireWriter(out);
        this.buffer = new byte[chunkSize];
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        buffer[filled++] = (byte) b;
        if (filled == buffer.length) {
            flushChunk();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == buffer.length) {
                flushChunk();
            }
        }
    }

    /** Writes what is buffered as a chunk; never writes an empty chunk, which would end the stream. */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        flushChunk();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        flushChunk();
        out.writeU64(0);
        out.flush();
        closed = true;
    }

    private void flushChunk() throws IOException {
        if (filled > 0) {
            out.writeU64(filled);
            out.stream().write(buffer, 0, filled);
            filled = 0;
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("framed stream already closed");
        }
    }
}
