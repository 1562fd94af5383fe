package dev.nixpool.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

import dev.nixpool.nix.wire.WireTruncatedException;

/**
 * Exactly one NAR of the client's stream, as a stream: what is read from it is written to the spool file and, while
 * {@link #hashing} is on, hashed on the way. Whoever reads it (a builder's upload) cannot tell its own failures from the
 * client's or the spool's, so those are remembered here: {@link #rethrowOwnFailure} tells them apart afterwards.
 */
final class TeeNar extends InputStream {

    static final int DRAIN_CHUNK = 1024 * 1024;

    private final InputStream client;
    private final OutputStream spool;
    private final MessageDigest sha;
    private final long size;
    private final String what;
    private long left;
    private boolean hashing = true;
    private boolean hashedAll = true;
    private IOException failure;

    TeeNar(InputStream client, OutputStream spool, MessageDigest sha, long size, String what) {
        this.client = client;
        this.spool = spool;
        this.sha = sha;
        this.size = size;
        this.left = size;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (left == 0) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        try {
            int n = client.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new WireTruncatedException(what, size - left, size);
            }
            if (hashing) {
                sha.update(b, off, n);
            } else {
                hashedAll = false;
            }
            spool.write(b, off, n);
            left -= n;
            return n;
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    @Override
    public int available() {
        return 0;
    }

    /**
     * Whether what is read from now on is hashed. Off while a builder's AddToStoreNar reads: Nix checks the NAR's hash
     * itself, so a NAR the builder took whole need not be hashed here a second time.
     */
    void hashing(boolean on) {
        hashing = on;
    }

    /** True when every byte read so far was hashed, so the digest is the hash of what was read. */
    boolean hashedAll() {
        return hashedAll;
    }

    /** True once the whole NAR was read. */
    boolean exhausted() {
        return left == 0;
    }

    /**
     * Reads what the reader left into the spool, up to {@link #DRAIN_CHUNK} at a time: the client's stream is MINA's
     * channel pipe, which moves the bytes a read leaves in it to the front of its buffer, so a read that takes all it
     * holds (at most a 2 MiB window) spares that copy ({@code ServeClient.copyExactly} reads as large for the same
     * reason).
     */
    void drain() throws IOException {
        byte[] buf = new byte[(int) Math.min(DRAIN_CHUNK, Math.max(left, 1))];
        while (read(buf, 0, buf.length) >= 0) {
            // each read spools and hashes
        }
    }

    /** A failure of the client's stream or the spool, if one happened, whoever was reading. */
    void rethrowOwnFailure() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }
}
