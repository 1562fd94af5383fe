package dev.nixpool.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A pool of identical ephemeral Nix builders, described with the fields of a Nix machines-file entry. */
@Group(BuildMachine.GROUP)
@Version(BuildMachine.VERSION)
@ShortNames("bm")
@Categories("nixpool")
@AdditionalPrinterColumn(name = "Systems", jsonPath = ".spec.systems", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Features", jsonPath = ".spec.supportedFeatures", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Builders", jsonPath = ".status.builders", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Busy", jsonPath = ".status.busyBuilders", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Queued", jsonPath = ".status.queued", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BuildMachine extends CustomResource<BuildMachineSpec, BuildMachineStatus> implements Namespaced {

    public static final String GROUP = "nixpool.dev";
    public static final String VERSION = "v1alpha1";

    /** Overridden only to mark spec required in the schema: an object without one means nothing. */
    @Override
    @Required
    public BuildMachineSpec getSpec() {
        return super.getSpec();
    }

    @Override
    protected BuildMachineStatus initStatus() {
        return new BuildMachineStatus();
    }
}
