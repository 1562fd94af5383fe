package dev.nixpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Quantity;

/** A builder's Nix store: Nix's own garbage collection bounds, and where the store lives. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BuilderStore {

    @JsonPropertyDescription("Nix's min-free: when free space in the store drops below this during a build, Nix collects garbage until max-free is free (e.g. 5Gi). Unset: no automatic collection.")
    private Quantity minFree;

    @JsonPropertyDescription("Nix's max-free: how much free space automatic garbage collection makes (e.g. 20Gi). Used with minFree.")
    private Quantity maxFree;

    @JsonPropertyDescription("A PersistentVolumeClaim per builder slot mounted at /nix, so a slot keeps its store across pod replacement. The claims are named <pool>-store-<slot> and deleted with the BuildMachine. Unset: the store lives in the pod.")
    private PersistentVolumeClaimSpec volumeClaimTemplate;

    public Quantity getMinFree() {
        return minFree;
    }

    public void setMinFree(Quantity minFree) {
        this.minFree = minFree;
    }

    public Quantity getMaxFree() {
        return maxFree;
    }

    public void setMaxFree(Quantity maxFree) {
        this.maxFree = maxFree;
    }

    public PersistentVolumeClaimSpec getVolumeClaimTemplate() {
        return volumeClaimTemplate;
    }

    public void setVolumeClaimTemplate(PersistentVolumeClaimSpec volumeClaimTemplate) {
        this.volumeClaimTemplate = volumeClaimTemplate;
    }
}
