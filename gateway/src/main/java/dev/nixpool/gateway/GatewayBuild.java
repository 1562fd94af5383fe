package dev.nixpool.gateway;

import java.util.Set;

import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.store.StorePath;

/** What a client asked the gateway to build: the derivation BuildDerivation named and the features it requires. */
public record GatewayBuild(StorePath drvPath, Derivation derivation, Set<String> requiredFeatures) {

    public GatewayBuild {
        requiredFeatures = Set.copyOf(requiredFeatures);
    }

    public String system() {
        return derivation.platform();
    }
}
