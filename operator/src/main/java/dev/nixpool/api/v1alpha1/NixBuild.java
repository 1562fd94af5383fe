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
 * One build request: a derivation, an expression or a flake installable, built on one of a pool's builders. The
 * printer columns print in the order declared here (see {@link PrinterColumnOrder}). Duration reads
 * {@code status.duration}, written when the build ends: a printer column is a JSON path, and none computes
 * completionTime - creationTimestamp.
 */
@Group(BuildMachine.GROUP)
@Version(BuildMachine.VERSION)
// Named, not derived: Fabric8 derives a missing plural with its regex-based Pluralize in every CustomResource's
// constructor, and every object read (each watch event, each item of a list) is constructed; at 1,000 NixBuilds a
// second that was a fifth of the local cluster's event-loop samples (API server and clients).
@Plural("nixbuilds")
@Singular("nixbuild")
@ShortNames("nb")
@Categories("nixpool")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Machine", jsonPath = ".status.machine", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Output", jsonPath = ".status.outputs[0].path", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Builder", jsonPath = ".status.builder", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Attempts", jsonPath = ".status.attempts", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Queue", jsonPath = ".status.queuePosition", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Duration", jsonPath = ".status.duration", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
public class NixBuild extends CustomResource<NixBuildSpec, NixBuildStatus> implements Namespaced {

    /** Overridden only to mark spec required in the schema: an object without one means nothing. */
    @Override
    @Required
    @JsonPropertyDescription("What to build and how: exactly one of derivation, expression or flake, plus the system, features, retries and limits.")
    public NixBuildSpec getSpec() {
        return super.getSpec();
    }

    /** Overridden only to give kubectl explain a description of status. */
    @Override
    @JsonPropertyDescription("What the operator observed: the phase, the pool and builder, the outputs, attempts, queue position and the log tail.")
    public NixBuildStatus getStatus() {
        return super.getStatus();
    }

    @Override
    protected NixBuildStatus initStatus() {
        return new NixBuildStatus();
    }
}
