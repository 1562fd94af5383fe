package dev.nixpool.nix.fuzz;

import java.io.InputStream;

/** A reply that never ends: {@code prefix}, then {@code unit} forever. Counts what the reader took. */
final class EndlessReply extends InputStream {

    private final byte[] prefix;
    private final byte[] unit;
    private long served;

    EndlessReply(byte[] prefix, byte[] unit) {
        this.prefix = prefix;
        this.unit = unit;
    }

    long served() {
        return served;
    }

    @Override
    public int read() {
        byte b = at(served);
        served++;
        return b & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
        for (int i = 0; i < len; i++) {
            buf[off + i] = at(served + i);
        }
        served += len;
        return len;
    }

    private byte at(long pos) {
        return pos < prefix.length ? prefix[(int) pos] : unit[(int) ((pos - prefix.length) % unit.length)];
    }
}
