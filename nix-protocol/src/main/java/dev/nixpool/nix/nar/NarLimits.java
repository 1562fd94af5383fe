package dev.nixpool.nix.nar;

/**
 * Bounds for reading a NAR from an untrusted peer. Nix itself bounds none of these; ours stay above what a file system
 * can hold (255-byte names, 4095-byte symlink targets) so no real store path is refused.
 */
public record NarLimits(int maxNameBytes, int maxTargetBytes, int maxDepth, long maxFileSize) {

    public static final NarLimits DEFAULT = new NarLimits(255, 4095, 256, Long.MAX_VALUE);

    public NarLimits {
        if (maxNameBytes <= 0 || maxTargetBytes <= 0 || maxDepth <= 0 || maxFileSize < 0) {
            throw new IllegalArgumentException("NAR limits must be positive");
        }
    }
}
