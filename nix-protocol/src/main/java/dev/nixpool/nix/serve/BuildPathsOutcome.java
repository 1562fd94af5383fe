package dev.nixpool.nix.serve;

/**
 * The reply to BuildPaths: Nix's exit status (0 = built; 1 or 100..111 as {@code nix-build} exits) and, on failure,
 * the error message the server would have printed.
 */
public record BuildPathsOutcome(long exitStatus, String errorMsg) {

    public boolean success() {
        return exitStatus == 0;
    }
}
