package dev.nixpool.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.Compression;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.FeaturePlacement;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.api.v1alpha1.SecretRef;

class SpecValidationTest {

    @Test
    void aPlainBuildIsValid() {
        assertThat(SpecValidation.problems(TestResources.build("ns", "b", "x86_64-linux", List.of("kvm")).getSpec()))
                .isEmpty();
    }

    @Test
    void buildProblemsSayWhatWasExpectedAndWhatCame() {
        NixBuildSpec spec = new NixBuildSpec();
        spec.setDerivation("/tmp/not-a-store-path.drv");
        spec.setFlake("github:owner/repo#x");
        spec.setSystem("x86_64");
        spec.setRequiredSystemFeatures(List.of("kvm", "bad feature"));
        spec.setSubstituters(List.of("https://cache.example.org https://other.example.org"));
        spec.setTrustedPublicKeys(List.of("k:AAAA';x"));
        spec.setMachine("Not_A_Name");
        assertThat(SpecValidation.problems(spec)).containsExactly(
                "exactly one of spec.derivation, spec.expression or spec.flake must be set, found 2",
                "spec.derivation must be a /nix/store/<hash>-<name>.drv path, got '/tmp/not-a-store-path.drv'",
                "spec.system must be a Nix system such as x86_64-linux, got 'x86_64'",
                "spec.requiredSystemFeatures must hold system features such as kvm or big-parallel, got 'bad feature'",
                "spec.substituters[0] must be one word without whitespace, quotes, backslashes or control characters, "
                        + "got 'https://cache.example.org https://other.example.org'",
                "spec.trustedPublicKeys[0] must be one word without whitespace, quotes, backslashes or control "
                        + "characters, got 'k:AAAA';x'",
                "spec.machine must be a BuildMachine name (DNS-1123 subdomain), got 'Not_A_Name'");
        assertThat(SpecValidation.problems(new NixBuildSpec()))
                .containsExactly("exactly one of spec.derivation, spec.expression or spec.flake must be set, found 0");
        assertThat(SpecValidation.problems((NixBuildSpec) null)).containsExactly("spec is missing");
    }

    @Test
    void copyToProblemsNameTheFieldAndWhatIsWrong() {
        NixBuildSpec spec = TestResources.build("ns", "b", "x86_64-linux", List.of()).getSpec();
        spec.setCopyTo(new CopyTo("file:///var/cache/nix", new SecretKeyRef("cache-key", "secret")));
        assertThat(SpecValidation.problems(spec)).isEmpty();
        spec.setCopyTo(new CopyTo("s3://bucket?compression=xz", null));
        spec.getCopyTo().setCompression(Compression.zstd);
        assertThat(SpecValidation.problems(spec)).containsExactly(
                "spec.copyTo: set compression either in the uri or in the compression field, not both",
                "spec.copyTo: an s3:// destination needs credentialsSecretRef (accessKeyId, secretAccessKey)",
                "spec.copyTo.signingKeySecretRef (name and key of the Secret entry with the Nix signing key) is"
                        + " required");
        spec.setCopyTo(new CopyTo("https://c.example.org?secret-key=/k", new SecretKeyRef("Bad", "k")));
        spec.getCopyTo().setCredentialsSecretRef(new SecretRef("creds"));
        assertThat(SpecValidation.problems(spec)).containsExactly(
                "spec.copyTo.uri 'https://c.example.org?secret-key=/k': 'secret-key' does not belong in a cache URI:"
                        + " the signing key and credentials come from Secrets",
                "spec.copyTo.signingKeySecretRef.name must be a Secret name (DNS-1123 subdomain), got 'Bad'");
        BuildMachineSpec pool = TestResources.machine("ns", "p", 1, List.of("x86_64-linux"), List.of(), List.of())
                .getSpec();
        pool.setCopyTo(new CopyTo("file://relative", new SecretKeyRef("k", "k")));
        assertThat(SpecValidation.problems(pool)).containsExactly(
                "spec.copyTo.uri 'file://relative': a file:// cache URI needs an absolute path: file:///path/to/cache");
    }

    @Test
    void machineProblems() {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(List.of());
        spec.setMaxJobs(0);
        spec.setMaxBuilders(null);
        spec.setSpeedFactor(0.0);
        spec.setMandatoryFeatures(List.of("-dash"));
        spec.setFeaturePlacement(Map.of("kvm!", new FeaturePlacement()));
        spec.getTemplate().setImagePullPolicy("Sometimes");
        assertThat(SpecValidation.problems(spec)).containsExactly(
                "spec.systems must list at least one system, e.g. x86_64-linux",
                "spec.maxJobs must be at least 1, got 0",
                "spec.maxBuilders must be at least 1, got null",
                "spec.speedFactor must be greater than 0, got 0.0",
                "spec.mandatoryFeatures must hold system features such as kvm or big-parallel, got '-dash'",
                "spec.featurePlacement must hold system features such as kvm or big-parallel, got 'kvm!'",
                "spec.template.imagePullPolicy must be one of [Always, IfNotPresent, Never], got 'Sometimes'");
        assertThat(SpecValidation.problems(TestResources.machine("ns", "m", 1, List.of("x86_64-linux"),
                List.of("kvm"), List.of()).getSpec())).isEmpty();
    }

    @Test
    void aFlakeThatCouldBeReadAsAnOptionIsRefused() {
        NixBuildSpec spec = new NixBuildSpec();
        spec.setFlake("--option=substituters");
        assertThat(SpecValidation.problems(spec)).singleElement().asString().startsWith("spec.flake must be a flake")
                .contains("not starting with '-'").endsWith("got '--option=substituters'");
        spec.setFlake("github:owner/repo#hello");
        assertThat(SpecValidation.problems(spec)).isEmpty();
    }
}
