package dev.nixpool.gateway;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bounds the bytes one request may take before its NAR (a derivation with a million huge env entries would otherwise
 * fit every per-field bound and still exhaust memory). {@link #limit} starts a request; {@link #unlimited} lets a NAR
 * through, whose size was declared and reserved on disk first.
 */
final class RequestBudget extends FilterInputStream {

    private long left = Long.MAX_VALUE;
    private long max;

    RequestBudget(InputStream in) {
        super(in);
    }

    void limit(long bytes) {
        max = bytes;
        left = bytes;
    }

    void unlimited() {
        left = Long.MAX_VALUE;
    }

    @Override
    public int read() throws IOException {
        check(1);
        int b = super.read();
        if (b >= 0) {
            left--;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        check(1);
        int n = super.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
            left -= n;
        }
        return n;
    }

    private void check(long wanted) throws ClientProtocolException {
        if (left < wanted) {
            throw new ClientProtocolException("a request to the gateway may hold at most " + max
                    + " bytes besides its NARs; this one is larger");
        }
    }
}
