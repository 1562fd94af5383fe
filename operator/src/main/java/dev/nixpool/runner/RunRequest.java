package dev.nixpool.runner;

import java.util.Objects;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.NixSettings;

/**
 * Everything a run needs, read from the cluster by the reconcile that dispatches it.
 *
 * @param nixSettings the build's own Nix settings (substituters, trusted keys): the run's session gives them to every
 *        Nix command on the builder, which may serve other builds with other settings
 * @param pool the builder's pool as namespace/name: a connection the run makes to the builder is kept for the pool's
 *        next builds (until the pool's reconcile no longer names the builder); null: closed after the run
 * @param reusableBuilder the builder serves more builds than this one (a pool with {@code ephemeral: false})
 */
public record RunRequest(RunKey key, String namespace, String name, BuilderAddress address,
        BuilderCredentials credentials, BuildSource source, BuildOptions options, DerivationFit fit,
        NixSettings nixSettings, String pool, boolean reusableBuilder) {

    public RunRequest {
        Objects.requireNonNull(nixSettings, "nixSettings");
    }

    /** A run whose connection, if it makes one, is not kept. */
    public RunRequest(RunKey key, String namespace, String name, BuilderAddress address,
            BuilderCredentials credentials, BuildSource source, BuildOptions options, DerivationFit fit,
            NixSettings nixSettings) {
        this(key, namespace, name, address, credentials, source, options, fit, nixSettings, null, false);
    }

    /** A run without Nix settings of its own: the builder's nix.conf alone. */
    public RunRequest(RunKey key, String namespace, String name, BuilderAddress address,
            BuilderCredentials credentials, BuildSource source, BuildOptions options, DerivationFit fit) {
        this(key, namespace, name, address, credentials, source, options, fit, NixSettings.NONE);
    }
}
