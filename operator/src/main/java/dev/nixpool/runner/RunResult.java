package dev.nixpool.runner;

import java.util.List;

import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.status.Reason;

/** How a run ended. */
public sealed interface RunResult {

    /** Nix built (or failed to build) the derivation and said so; {@code outputs} are the valid outputs' path infos. */
    record Completed(BuildResult result, List<BuildOutput> outputs) implements RunResult {

        public Completed {
            outputs = List.copyOf(outputs);
        }
    }

    /**
     * The run could not get Nix's verdict: the builder failed us, or the derivation does not fit.
     *
     * @param reason e.g. {@link Reason#HOST_KEY_MISMATCH}
     * @param retryable true when a fresh builder may succeed (the builder is lost, not the build)
     */
    record Failed(Reason reason, String message, boolean retryable) implements RunResult {
    }
}
