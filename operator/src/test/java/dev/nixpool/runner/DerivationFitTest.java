package dev.nixpool.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.derivation.DerivationFormatException;

class DerivationFitTest {

    private static final String X86 = "x86_64-linux";

    private final FakeBuilder builder = new FakeBuilder();

    @Test
    void aDerivationMatchingSpecAndPoolFits() throws DerivationFormatException {
        builder.requiredFeatures = "kvm";
        DerivationFit fit = new DerivationFit(X86, Set.of("kvm"), "kvm-pool", List.of(X86),
                Set.of("kvm", "nixos-test"));
        assertThat(fit.problem(FakeBuilder.DRV, builder.derivation())).isEmpty();
    }

    @Test
    void undeclaredFeaturesNameTheSpecFieldToSet() throws DerivationFormatException {
        builder.requiredFeatures = "kvm big-parallel";
        DerivationFit fit = new DerivationFit(X86, Set.of(), "default", List.of(X86), Set.of());
        assertThat(fit.problem(FakeBuilder.DRV, builder.derivation())).hasValue("the derivation " + FakeBuilder.DRV
                + " requires features {big-parallel, kvm} but spec.requiredSystemFeatures is []: set"
                + " spec.requiredSystemFeatures: [big-parallel, kvm]");
    }

    @Test
    void anotherSystemNamesSpecSystem() throws DerivationFormatException {
        builder.system = "aarch64-linux";
        DerivationFit fit = new DerivationFit(X86, Set.of(), "default", List.of(X86), Set.of());
        assertThat(fit.problem(FakeBuilder.DRV, builder.derivation())).hasValue("the derivation " + FakeBuilder.DRV
                + " is for system aarch64-linux but spec.system is x86_64-linux: set spec.system: aarch64-linux");
    }

    @Test
    void aPoolLackingTheSystemOrAFeatureIsNamed() throws DerivationFormatException {
        DerivationFit noSystem = new DerivationFit(X86, Set.of(), "arm", List.of("aarch64-linux"), Set.of());
        assertThat(noSystem.problem(FakeBuilder.DRV, builder.derivation()))
                .hasValueSatisfying(
                        p -> assertThat(p).endsWith("but BuildMachine arm builds only for [aarch64-linux]"));
        builder.requiredFeatures = "kvm";
        DerivationFit noFeature = new DerivationFit(X86, Set.of("kvm"), "plain", List.of(X86), Set.of());
        assertThat(noFeature.problem(FakeBuilder.DRV, builder.derivation()))
                .hasValueSatisfying(p -> assertThat(p).endsWith("requires features {kvm} that BuildMachine plain does"
                        + " not offer"));
    }

    @Test
    void builtinDerivationsRunAnywhere() throws DerivationFormatException {
        builder.system = "builtin";
        DerivationFit fit = new DerivationFit(X86, Set.of(), "default", List.of(X86), Set.of());
        assertThat(fit.problem(FakeBuilder.DRV, builder.derivation())).isEmpty();
    }
}
