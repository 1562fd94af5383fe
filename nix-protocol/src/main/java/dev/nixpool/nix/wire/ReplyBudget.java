package dev.nixpool.nix.wire;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts what one reply consumes against {@link ReplyLimits}: bytes, as a stream between the buffer and the
 * {@link WireReader}, and store paths, as the codecs report them. {@link #start} begins the count for a new reply;
 * {@link #streaming} lifts the byte bound for a NAR that goes straight to a caller's sink.
 */
public final class ReplyBudget extends FilterInputStream {

    private final ReplyLimits limits;
    private String reply = "the reply";
    private long bytes;
    private long paths;
    private boolean streaming;

    public ReplyBudget(InputStream in, ReplyLimits limits) {
        super(in);
        this.limits = limits;
    }

    /** A budget that never runs out, for codecs used outside a connection (tests, tools). */
    public static ReplyBudget unlimited() {
        return new ReplyBudget(InputStream.nullInputStream(), new ReplyLimits(Long.MAX_VALUE, Integer.MAX_VALUE));
    }

    public ReplyLimits limits() {
        return limits;
    }

    public void start(String what) {
        reply = what;
        bytes = 0;
        paths = 0;
        streaming = false;
    }

    /** The rest of this reply is a stream the caller bounds itself. */
    public void streaming() {
        streaming = true;
    }

    /** Counts {@code n} more store paths of {@code what}; throws once the reply holds more than the limit. */
    public void paths(long n, String what) throws ReplyLimitExceededException {
        paths += n;
        if (paths > limits.maxPathsPerReply()) {
            throw new ReplyLimitExceededException("maxPathsPerReply", reply + " holds more than "
                    + limits.maxPathsPerReply() + " store paths (at " + what + "); the limit is maxPathsPerReply");
        }
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        count(skipped);
        return skipped;
    }

    private void count(long n) throws ReplyLimitExceededException {
        bytes += n;
        if (!streaming && bytes > limits.maxReplyBytes()) {
            throw new ReplyLimitExceededException("maxReplyBytes", reply + " is larger than "
                    + limits.maxReplyBytes() + " bytes; the limit is maxReplyBytes");
        }
    }
}
