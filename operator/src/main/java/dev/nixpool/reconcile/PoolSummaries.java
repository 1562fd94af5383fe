package dev.nixpool.reconcile;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.nixpool.api.v1alpha1.BuildMachineSpec;

/**
 * The comma lists a BuildMachine's status carries for kubectl: a printer column over a JSON array prints the array's
 * JSON ({@code ["kvm","nixos-test"]}), so the columns read these strings instead. Null when empty, so the field is
 * absent and kubectl leaves the cell blank rather than printing an empty list.
 */
final class PoolSummaries {

    private PoolSummaries() {
    }

    static String systems(BuildMachineSpec spec) {
        return joined(spec.getSystems());
    }

    /** Supported features, then mandatory ones not listed as supported: every feature a build may ask this pool for. */
    static String features(BuildMachineSpec spec) {
        Set<String> offered = new LinkedHashSet<>();
        if (spec.getSupportedFeatures() != null) {
            offered.addAll(spec.getSupportedFeatures());
        }
        if (spec.getMandatoryFeatures() != null) {
            offered.addAll(spec.getMandatoryFeatures());
        }
        return joined(List.copyOf(offered));
    }

    private static String joined(List<String> values) {
        return values == null || values.isEmpty() ? null : String.join(",", values);
    }
}
