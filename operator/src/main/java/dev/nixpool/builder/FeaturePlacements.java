package dev.nixpool.builder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;

import dev.nixpool.api.v1alpha1.FeaturePlacement;

/**
 * The placement a builder gets for the features its build requires: per feature, the pool's own entry if it has one,
 * otherwise the operator's default. Features are visited in sorted order so the rendered pod is stable.
 */
record FeaturePlacements(Map<String, String> nodeSelector, List<Toleration> tolerations,
        Map<String, Quantity> extraResources) {

    static FeaturePlacements resolve(Iterable<String> requiredFeatures, Map<String, FeaturePlacement> poolOverrides,
            Map<String, FeaturePlacement> defaults) {
        Map<String, String> nodeSelector = new LinkedHashMap<>();
        List<Toleration> tolerations = new ArrayList<>();
        Map<String, Quantity> resources = new LinkedHashMap<>();
        TreeSet<String> features = new TreeSet<>();
        requiredFeatures.forEach(features::add);
        for (String feature : features) {
            FeaturePlacement placement = poolOverrides != null && poolOverrides.containsKey(feature)
                    ? poolOverrides.get(feature)
                    : defaults.get(feature);
            if (placement == null) {
                continue;
            }
            if (placement.getNodeSelector() != null) {
                nodeSelector.putAll(placement.getNodeSelector());
            }
            if (placement.getTolerations() != null) {
                placement.getTolerations().stream().filter(t -> !tolerations.contains(t)).forEach(tolerations::add);
            }
            if (placement.getResources() != null) {
                placement.getResources().forEach((name, amount) -> resources.merge(name, amount, Quantity::add));
            }
        }
        return new FeaturePlacements(nodeSelector, tolerations, resources);
    }
}
