package dev.nixpool.nix.nar;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

import dev.nixpool.nix.store.NixHash;

/** Hashes and counts what is written through it; closing leaves the underlying stream open. */
public final class HashingOutputStream extends FilterOutputStream {

    private final MessageDigest sha256 = NixHash.newSha256();
    private long count;

    public HashingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        sha256.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        sha256.update(b, off, len);
        count += len;
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }

    public NarDigest digest() {
        return new NarDigest(NixHash.sha256(sha256.digest()), count);
    }
}
