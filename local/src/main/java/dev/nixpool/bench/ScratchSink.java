package dev.nixpool.bench;

import java.io.OutputStream;

/**
 * Copies what it is given into a reusable buffer: a sink that really moves the bytes, so a plain copy is not optimised
 * into nothing and codec and raw figures pay the same hand-off cost.
 */
final class ScratchSink extends OutputStream {

    private final byte[] scratch = new byte[64 * 1024];

    @Override
    public void write(int b) {
        scratch[0] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        while (len > 0) {
            int k = Math.min(len, scratch.length);
            System.arraycopy(b, off, scratch, 0, k);
            off += k;
            len -= k;
        }
    }
}
