package dev.nixpool;

import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildSpec;

/** Small builders for the custom resources the tests create. */
public final class TestResources {

    public static final String DRV = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.12.drv";

    private TestResources() {
    }

    public static BuildMachine machine(String namespace, String name, int maxBuilders, List<String> systems,
            List<String> supported, List<String> mandatory) {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(new ArrayList<>(systems));
        spec.setSupportedFeatures(new ArrayList<>(supported));
        spec.setMandatoryFeatures(new ArrayList<>(mandatory));
        spec.setMaxBuilders(maxBuilders);
        BuildMachine machine = new BuildMachine();
        machine.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        machine.setSpec(spec);
        return machine;
    }

    public static NixBuild build(String namespace, String name, String system, List<String> features) {
        NixBuildSpec spec = new NixBuildSpec();
        spec.setDerivation(DRV);
        spec.setSystem(system);
        spec.setRequiredSystemFeatures(new ArrayList<>(features));
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        build.setSpec(spec);
        return build;
    }
}
