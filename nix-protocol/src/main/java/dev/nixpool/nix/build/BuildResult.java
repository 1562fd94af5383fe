package dev.nixpool.nix.build;

import java.util.Map;

/**
 * The outcome of a BuildDerivation. {@code errorMsg} is as Nix sent it (it may hold ANSI colours). Times are Unix
 * seconds, 0 when the peer's protocol version predates them; {@code builtOutputs} is keyed by output name and empty on
 * failure.
 */
public record BuildResult(BuildStatus status, String errorMsg, long timesBuilt, boolean isNonDeterministic,
        long startTime, long stopTime, Map<String, BuiltOutput> builtOutputs) {

    public BuildResult {
        builtOutputs = Map.copyOf(builtOutputs);
    }

    public boolean success() {
        return status.success();
    }
}
