package dev.nixpool.nix.nar;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

import dev.nixpool.nix.store.NixHash;

/**
 * Passes through exactly the bytes its reader consumes, feeding them to SHA-256, a counter and optionally a copy
 * target. It never reads ahead, so a parser on top of it stops at the end of a NAR inside a longer stream.
 */
public final class HashingInputStream extends FilterInputStream {

    private final MessageDigest sha256 = NixHash.newSha256();
    private final OutputStream copy;
    private long count;

    public HashingInputStream(InputStream in, OutputStream copy) {
        super(in);
        this.copy = copy;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            sha256.update((byte) b);
            if (copy != null) {
                copy.write(b);
            }
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            sha256.update(b, off, n);
            if (copy != null) {
                copy.write(b, off, n);
            }
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        int got = read(buf, 0, buf.length);
        return Math.max(got, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Closing must not close the peer's stream, which carries the rest of the conversation. */
    @Override
    public void close() {
    }

    public NarDigest digest() {
        return new NarDigest(NixHash.sha256(sha256.digest()), count);
    }
}
