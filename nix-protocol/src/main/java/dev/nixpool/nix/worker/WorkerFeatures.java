package dev.nixpool.nix.worker;

import java.util.Set;
import java.util.TreeSet;

/**
 * Feature names of the worker protocol's feature exchange (protocol 1.38 on, src/libstore/worker-protocol.hh): after the
 * version numbers both sides send the set of features they support and use the intersection.
 */
public final class WorkerFeatures {

    /** builtOutputs as output name, store path and signatures instead of JSON realisations keyed by a hash. */
    public static final String REALISATION_WITH_PATH_NOT_HASH = "realisation-with-path-not-hash";

    private WorkerFeatures() {
    }

    /** What both sides support, sorted as Nix's {@code std::set} is. */
    public static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> both = new TreeSet<>(a);
        both.retainAll(b);
        return both;
    }
}
