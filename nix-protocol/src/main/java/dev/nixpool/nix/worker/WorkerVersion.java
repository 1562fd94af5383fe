package dev.nixpool.nix.worker;

import java.util.Set;
import java.util.TreeSet;

/** A negotiated worker protocol version: the number both sides speak (0x1xx) and the features both support (1.38 on). */
public record WorkerVersion(int number, Set<String> features) {

    public WorkerVersion {
        features = Set.copyOf(new TreeSet<>(features));
    }

    public int minor() {
        return WorkerProtocol.minor(number);
    }

    public boolean has(String feature) {
        return features.contains(feature);
    }
}
