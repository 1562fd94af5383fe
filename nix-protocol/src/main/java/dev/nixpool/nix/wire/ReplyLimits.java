package dev.nixpool.nix.wire;

/**
 * Bounds on one whole reply read from a peer, on top of the per-item bounds of {@link WireReader}: a hostile peer could
 * otherwise send a million maximal items, each within its own bound, and exhaust the reader's memory.
 *
 * @param maxReplyBytes bytes of one reply that are held in memory (NAR streams copied to a sink are not: the sink
 *        bounds those)
 * @param maxPathsPerReply store paths in one reply, references included
 */
public record ReplyLimits(long maxReplyBytes, int maxPathsPerReply) {

    /** 64 MiB and 100,000 paths: far above a real closure's infos, far below what strains a 256 MiB heap. */
    public static final ReplyLimits DEFAULTS = new ReplyLimits(64L * 1024 * 1024, 100_000);

    public ReplyLimits {
        if (maxReplyBytes < 1024) {
            throw new IllegalArgumentException("maxReplyBytes must be at least 1024, got " + maxReplyBytes);
        }
        if (maxPathsPerReply < 1) {
            throw new IllegalArgumentException("maxPathsPerReply must be at least 1, got " + maxPathsPerReply);
        }
    }
}
