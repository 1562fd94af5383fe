package dev.nixpool.nix.wire;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads Nix's framed stream (see {@link FramedOutputStream}) and returns the payload; EOF at the terminating empty chunk.
 * Chunk lengths are bounded so a corrupt length cannot make us wait for gigabytes that never come unnoticed;
 * {@link #close()} drains to the end of the frame so the underlying stream stays in step.
 */
public class FramedInputStream extends InputStream {

    /** Nix's writers use 32 KiB chunks; anything above this bound is corrupt. */
    public static final long DEFAULT_MAX_CHUNK = 16L * 1024 * 1024;

    private final WireReader in;
    private final long maxChunk;
    private long remaining;
    private boolean ended;

    public FramedInputStream(InputStream in) {
        this(in, DEFAULT_MAX_CHUNK);
    }

    public FramedInputStream(InputStream in, long maxChunk) {
        this.in = new WireReader(in);
        this.maxChunk = maxChunk;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!nextChunkIfNeeded()) {
            return -1;
        }
        int n = in.stream().read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new WireTruncatedException("a framed chunk", 0, remaining);
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return ended ? 0 : (int) Math.min(remaining, in.stream().available());
    }

    /** Reads the rest of the frame, so the next message starts where the underlying stream is. */
    @Override
    public void close() throws IOException {
        byte[] skip = new byte[8192];
        while (read(skip, 0, skip.length) >= 0) {
            // draining
        }
    }

    private boolean nextChunkIfNeeded() throws IOException {
        while (remaining == 0) {
            if (ended) {
                return false;
            }
            long len = in.readBounded("length of a framed chunk", maxChunk);
            if (len == 0) {
                ended = true;
                return false;
            }
            remaining = len;
        }
        return true;
    }
}
