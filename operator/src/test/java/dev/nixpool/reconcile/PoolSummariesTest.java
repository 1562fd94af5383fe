package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.api.v1alpha1.BuildMachineSpec;

class PoolSummariesTest {

    @Test
    void systemsAndFeaturesAreCommaListsWithMandatoryFeaturesAfterSupportedOnes() {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(List.of("x86_64-linux", "i686-linux"));
        spec.setSupportedFeatures(List.of("kvm", "nixos-test"));
        spec.setMandatoryFeatures(List.of("kvm", "big-parallel"));

        assertThat(PoolSummaries.systems(spec)).isEqualTo("x86_64-linux,i686-linux");
        assertThat(PoolSummaries.features(spec)).isEqualTo("kvm,nixos-test,big-parallel");
    }

    @Test
    void aPoolWithoutFeaturesHasNoSummary() {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(List.of("x86_64-linux"));

        assertThat(PoolSummaries.features(spec)).isNull();
    }
}
