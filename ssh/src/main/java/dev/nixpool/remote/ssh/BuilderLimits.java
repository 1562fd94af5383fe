package dev.nixpool.remote.ssh;

import dev.nixpool.nix.wire.ReplyLimits;

/**
 * Bounds on what a builder may send, in total: {@code replies} bounds each serve reply (store paths, bytes held in
 * memory), {@code maxLogBytesPerBuild} the log of one build (stderr lines, counted in UTF-8 with their newline). A
 * builder going over one fails the call with {@link dev.nixpool.remote.BuilderFailure#LIMIT_EXCEEDED}; a build going
 * over its log bound is stopped. The same log bound goes to Nix as its max-log-size, so an honest builder stops the
 * build itself (LogLimitExceeded) before ours applies.
 */
public record BuilderLimits(ReplyLimits replies, long maxLogBytesPerBuild) {

    /** {@link ReplyLimits#DEFAULTS} for replies and 64 MiB of log per build. */
    public static final BuilderLimits DEFAULTS = new BuilderLimits(ReplyLimits.DEFAULTS, 64L * 1024 * 1024);

    public BuilderLimits {
        if (replies == null) {
            throw new IllegalArgumentException("replies must be set");
        }
        if (maxLogBytesPerBuild < 1024) {
            throw new IllegalArgumentException("maxLogBytesPerBuild must be at least 1024, got " + maxLogBytesPerBuild);
        }
    }
}
