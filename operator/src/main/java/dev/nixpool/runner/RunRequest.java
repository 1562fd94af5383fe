package dev.nixpool.runner;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;

/** Everything a run needs, read from the cluster by the reconcile that dispatches it. */
public record RunRequest(RunKey key, String namespace, String name, BuilderAddress address,
        BuilderCredentials credentials, BuildSource source, BuildOptions options, DerivationFit fit) {
}
