package dev.nixpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A pool of identical Nix builders (ephemeral or reusable, scaled between minIdle and maxBuilders), described with the fields of a Nix machines-file entry. The printer
 * columns print in the order declared here (see {@link PrinterColumnOrder}); systems and features print from status
 * summaries because a column over a JSON array prints the array's JSON.
 */
@Group(BuildMachine.GROUP)
@Version(BuildMachine.VERSION)
// Named, not derived: Fabric8 derives a missing plural with its regex-based Pluralize in every CustomResource's
// constructor, and every object read (each watch event, each item of a list) is constructed; at 1,000 NixBuilds a
// second that was a fifth of the local cluster's event-loop samples (API server and clients).
@Plural("buildmachines")
@Singular("buildmachine")
@ShortNames("bm")
@Categories("nixpool")
@AdditionalPrinterColumn(name = "Systems", jsonPath = ".status.systemsSummary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Features", jsonPath = ".status.featuresSummary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Idle", jsonPath = ".status.idleBuilders", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Busy", jsonPath = ".status.busyBuilders", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Queued", jsonPath = ".status.queued", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Starting", jsonPath = ".status.startingBuilders", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Builders", jsonPath = ".status.builders", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Min-Idle", jsonPath = ".spec.minIdle", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Max", jsonPath = ".spec.maxBuilders", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
public class BuildMachine extends CustomResource<BuildMachineSpec, BuildMachineStatus> implements Namespaced {

    public static final String GROUP = "nixpool.dev";
    public static final String VERSION = "v1alpha1";

    /** Overridden only to mark spec required in the schema: an object without one means nothing. */
    @Override
    @Required
    @JsonPropertyDescription("The pool: the machines-file fields (systems, maxJobs, speedFactor, features), the builder pod template and capacity.")
    public BuildMachineSpec getSpec() {
        return super.getSpec();
    }

    /** Overridden only to give kubectl explain a description of status. */
    @Override
    @JsonPropertyDescription("What the operator observed: builder pods alive and busy, builds queued for this pool, and the Ready condition.")
    public BuildMachineStatus getStatus() {
        return super.getStatus();
    }

    @Override
    protected BuildMachineStatus initStatus() {
        return new BuildMachineStatus();
    }
}
