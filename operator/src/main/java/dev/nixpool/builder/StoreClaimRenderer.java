package dev.nixpool.builder;

import java.util.Map;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;

/**
 * Renders the store claim of a builder slot from the pool's {@code spec.store.volumeClaimTemplate}: one claim per slot,
 * so the builder that replaces another in that slot finds the store it left.
 */
public final class StoreClaimRenderer {

    private StoreClaimRenderer() {
    }

    public static PersistentVolumeClaim render(BuildMachine pool, int slot) {
        Map<String, String> labels = Names.builderLabels(pool.getMetadata().getName(), slot);
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(Names.storeClaimName(pool.getMetadata().getName(), slot))
                .withNamespace(pool.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(BuilderPodRenderer.ownerReference(pool))
                .endMetadata()
                .withSpec(pool.getSpec().getStore().getVolumeClaimTemplate())
                .build();
    }
}
