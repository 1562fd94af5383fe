package dev.nixpool.scheduling;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a pool may take a build at all, by Nix's rules (src/build-remote/build-remote.cc): the pool lists the build's
 * system (or the build is {@code builtin}), offers every required feature (supported or mandatory), and every mandatory
 * feature of the pool is required by the build.
 */
public final class Eligibility {

    private static final String BUILTIN = "builtin";

    private Eligibility() {
    }

    /** Every reason the pool declines the build; empty when it is eligible. */
    public static List<String> declines(Pool pool, BuildRequest build) {
        List<String> reasons = new ArrayList<>();
        if (pool.invalidReason() != null) {
            reasons.add("invalid spec: " + pool.invalidReason());
            return reasons;
        }
        if (!BUILTIN.equals(build.system()) && !pool.systems().contains(build.system())) {
            reasons.add("wrong system: lists " + String.join(", ", pool.systems()));
        }
        Set<String> offered = new TreeSet<>(pool.supportedFeatures());
        offered.addAll(pool.mandatoryFeatures());
        for (String feature : new TreeSet<>(build.requiredFeatures())) {
            if (!offered.contains(feature)) {
                reasons.add("missing feature " + feature);
            }
        }
        for (String feature : new TreeSet<>(pool.mandatoryFeatures())) {
            if (!build.requiredFeatures().contains(feature)) {
                reasons.add("mandatory feature " + feature + " not requested");
            }
        }
        return reasons;
    }

    /** The same verdict as {@link #declines} being empty, without building the reasons: the queue asks it n times. */
    public static boolean isEligible(Pool pool, BuildRequest build) {
        if (pool.invalidReason() != null) {
            return false;
        }
        if (!BUILTIN.equals(build.system()) && !pool.systems().contains(build.system())) {
            return false;
        }
        for (String feature : build.requiredFeatures()) {
            if (!pool.supportedFeatures().contains(feature) && !pool.mandatoryFeatures().contains(feature)) {
                return false;
            }
        }
        return build.requiredFeatures().containsAll(pool.mandatoryFeatures());
    }
}
