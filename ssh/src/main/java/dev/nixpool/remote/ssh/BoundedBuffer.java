package dev.nixpool.remote.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import dev.nixpool.nix.wire.NixWireException;

/** Collects bytes up to a limit; one byte more is an error naming {@code what}, so a huge reply cannot fill memory. */
final class BoundedBuffer extends OutputStream {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int limit;
    private final String what;

    BoundedBuffer(int limit, String what) {
        this.limit = limit;
        this.what = what;
    }

    @Override
    public void write(int b) throws IOException {
        check(1);
        bytes.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        check(len);
        bytes.write(b, off, len);
    }

    private void check(int more) throws NixWireException {
        if ((long) bytes.size() + more > limit) {
            throw new NixWireException("expected " + what + " of at most " + limit + " bytes, got more");
        }
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
