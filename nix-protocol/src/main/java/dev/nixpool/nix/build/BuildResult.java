package dev.nixpool.nix.build;

import java.util.Map;
import java.util.OptionalLong;

/**
 * The outcome of a BuildDerivation. {@code errorMsg} is as Nix sent it (it may hold ANSI colours). Times are Unix
 * seconds, 0 when the peer's protocol version predates them; {@code builtOutputs} is keyed by output name and empty on
 * failure. The CPU times (microseconds) come only from worker protocol 1.37 on, and only when the builder measured them.
 */
public record BuildResult(BuildStatus status, String errorMsg, long timesBuilt, boolean isNonDeterministic,
        long startTime, long stopTime, Map<String, BuiltOutput> builtOutputs, OptionalLong cpuUserMicros,
        OptionalLong cpuSystemMicros) {

    public BuildResult {
        builtOutputs = Map.copyOf(builtOutputs);
    }

    /** A result without CPU times, as every serve version and worker versions before 1.37 carry it. */
    public BuildResult(BuildStatus status, String errorMsg, long timesBuilt, boolean isNonDeterministic,
            long startTime, long stopTime, Map<String, BuiltOutput> builtOutputs) {
        this(status, errorMsg, timesBuilt, isNonDeterministic, startTime, stopTime, builtOutputs, OptionalLong.empty(),
                OptionalLong.empty());
    }

    public boolean success() {
        return status.success();
    }
}
