package dev.nixpool.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One build request: a derivation, an expression or a flake installable, built on a pool's ephemeral builder. */
@Group(BuildMachine.GROUP)
@Version(BuildMachine.VERSION)
@ShortNames("nb")
@Categories("nixpool")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Machine", jsonPath = ".status.machine", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Output", jsonPath = ".status.outputs[0].path", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Builder", jsonPath = ".status.builder", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Attempts", jsonPath = ".status.attempts", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class NixBuild extends CustomResource<NixBuildSpec, NixBuildStatus> implements Namespaced {

    /** Overridden only to mark spec required in the schema: an object without one means nothing. */
    @Override
    @Required
    public NixBuildSpec getSpec() {
        return super.getSpec();
    }

    @Override
    protected NixBuildStatus initStatus() {
        return new NixBuildStatus();
    }
}
