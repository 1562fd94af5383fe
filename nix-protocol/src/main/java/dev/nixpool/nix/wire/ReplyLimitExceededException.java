package dev.nixpool.nix.wire;

/** A reply went over one of its {@link ReplyLimits}; the stream is left mid-reply, so the connection is done. */
public class ReplyLimitExceededException extends NixWireException {

    private final String limit;

    public ReplyLimitExceededException(String limit, String message) {
        super(message);
        this.limit = limit;
    }

    /** Which limit: {@code maxReplyBytes}, {@code maxPathsPerReply} or a caller's own, such as a build's log bytes. */
    public String limit() {
        return limit;
    }
}
