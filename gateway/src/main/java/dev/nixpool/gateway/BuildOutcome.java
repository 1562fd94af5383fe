package dev.nixpool.gateway;

import java.util.List;

import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.serve.PathInfo;

/** How a client's build ended on the builder: Nix's result and the path infos of the outputs it produced. */
public record BuildOutcome(BuildResult result, List<PathInfo> outputs) {

    public BuildOutcome {
        outputs = List.copyOf(outputs);
    }
}
