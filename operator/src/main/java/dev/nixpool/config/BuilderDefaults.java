package dev.nixpool.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import dev.nixpool.api.v1alpha1.FeaturePlacement;

/**
 * The operator-wide builder settings as plain values, so that the pod renderer is a pure function testable without
 * Quarkus. Feature placements use the API's own type: a pool's {@code spec.featurePlacement} entry replaces the default
 * of the same feature.
 */
public record BuilderDefaults(String image, String imagePullPolicy, int sshPort, ResourceRequirements resources,
        Optional<Long> runAsUser, Map<String, FeaturePlacement> featurePlacement) {

    public static BuilderDefaults from(NixpoolConfig config) {
        NixpoolConfig.Builder builder = config.builder();
        Map<String, FeaturePlacement> placements = new LinkedHashMap<>();
        config.features().forEach((feature, settings) -> placements.put(feature, placement(settings)));
        ResourceRequirements resources = new ResourceRequirementsBuilder()
                .withRequests(quantities(builder.resources().requests()))
                .withLimits(quantities(builder.resources().limits()))
                .build();
        return new BuilderDefaults(builder.image(), builder.imagePullPolicy(), builder.sshPort(), resources,
                builder.runAsUser(), Map.copyOf(placements));
    }

    private static FeaturePlacement placement(NixpoolConfig.Feature settings) {
        FeaturePlacement placement = new FeaturePlacement();
        placement.setNodeSelector(new LinkedHashMap<>(settings.nodeSelector()));
        placement.setTolerations(settings.tolerations().orElse(List.of()).stream()
                .map(BuilderDefaults::toleration)
                .collect(Collectors.toCollection(ArrayList::new)));
        placement.setResources(quantities(settings.resources()));
        return placement;
    }

    private static Toleration toleration(NixpoolConfig.TolerationConfig config) {
        return new TolerationBuilder()
                .withKey(config.key())
                .withOperator(config.operator())
                .withValue(config.value().orElse(null))
                .withEffect(config.effect().orElse(null))
                .build();
    }

    private static Map<String, Quantity> quantities(Map<String, String> values) {
        Map<String, Quantity> quantities = new LinkedHashMap<>();
        values.forEach((name, amount) -> quantities.put(name, new Quantity(amount)));
        return quantities;
    }
}
