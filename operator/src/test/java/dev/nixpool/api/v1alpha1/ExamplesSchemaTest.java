package dev.nixpool.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Every example passes the committed CRDs' schemas and CEL rules; broken variants of them are rejected with the error
 * the API server would give for the same field.
 */
class ExamplesSchemaTest {

    @Test
    void everyExampleIsValid() {
        List<Path> files = Examples.files();
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("buildmachine-default.yaml",
                "buildmachine-kvm.yaml", "buildmachine-big-parallel.yaml", "nixbuild-hello-expression.yaml",
                "nixbuild-kvm.yaml", "nixbuild-derivation.yaml");
        for (Path file : files) {
            JsonNode resource = Examples.read(file);
            assertThat(resource.path("apiVersion").asText()).as(file.toString()).isEqualTo("nixpool.dev/v1alpha1");
            assertThat(validate(resource)).as(file.toString()).isEmpty();
        }
    }

    @Test
    void examplesDeserializeIntoTheApiClasses() {
        BuildMachine kvm = Serialization.unmarshal(readText("buildmachine-kvm.yaml"), BuildMachine.class);
        assertThat(kvm.getSpec().getMandatoryFeatures()).containsExactly("kvm");
        assertThat(kvm.getSpec().getFeaturePlacement().get("kvm").getResources())
                .containsKey("devices.kubevirt.io/kvm");
        NixBuild drv = Serialization.unmarshal(readText("nixbuild-derivation.yaml"),
                NixBuild.class);
        assertThat(drv.getSpec().getDerivation()).endsWith("-hello-nixpool.drv");
        assertThat(drv.getSpec().getRetries()).isEqualTo(2);
    }

    @Test
    void twoSourcesAreRejectedByTheCelRule() {
        assertRejected("nixbuild-derivation.yaml", spec -> spec.put("expression", "derivation {}"),
                "spec: expected exactly one of derivation, expression or flake must be set");
    }

    @Test
    void noSourceIsRejectedByTheCelRule() {
        assertRejected("nixbuild-derivation.yaml", spec -> spec.remove("derivation"),
                "spec: expected exactly one of derivation, expression or flake must be set");
    }

    @Test
    void storePathMustBeADerivation() {
        assertRejected("nixbuild-derivation.yaml",
                spec -> spec.put("derivation", "/nix/store/yxcvv44z48dxdy5x6hyyhfj4c826p647-hello-nixpool"),
                "spec.derivation: expected a string matching " + ApiPatterns.DRV_PATH);
        // 'e' is not a nix32 digit
        assertRejected("nixbuild-derivation.yaml",
                spec -> spec.put("derivation", "/nix/store/excvv44z48dxdy5x6hyyhfj4c826p647-hello-nixpool.drv"),
                "spec.derivation: expected a string matching " + ApiPatterns.DRV_PATH);
        assertRejected("nixbuild-derivation.yaml",
                spec -> spec.put("derivation", "/tmp/yxcvv44z48dxdy5x6hyyhfj4c826p647-hello-nixpool.drv"),
                "spec.derivation: expected a string matching " + ApiPatterns.DRV_PATH);
    }

    @Test
    void systemMustBeANixSystem() {
        assertRejected("nixbuild-hello-expression.yaml", spec -> spec.put("system", "x86_64"),
                "spec.system: expected a string matching " + ApiPatterns.SYSTEM);
        assertRejected("buildmachine-default.yaml", spec -> ((ArrayNode) spec.get("systems")).add("linux x86"),
                "spec.systems[1]: expected a string matching " + ApiPatterns.SYSTEM);
    }

    @Test
    void featuresMustBeFeatureNames() {
        assertRejected("nixbuild-kvm.yaml", spec -> ((ArrayNode) spec.get("requiredSystemFeatures")).add("kvm,big"),
                "spec.requiredSystemFeatures[1]: expected a string matching " + ApiPatterns.FEATURE);
        assertRejected("buildmachine-kvm.yaml", spec -> ((ArrayNode) spec.get("mandatoryFeatures")).add("-kvm"),
                "spec.mandatoryFeatures[1]: expected a string matching " + ApiPatterns.FEATURE);
        assertRejected("buildmachine-kvm.yaml",
                spec -> ((ObjectNode) spec.get("featurePlacement")).putObject("big parallel"),
                "spec.featurePlacement: expected featurePlacement keys must be system feature names");
    }

    @Test
    void rangesAreEnforced() {
        assertRejected("nixbuild-kvm.yaml", spec -> spec.put("retries", 11),
                "spec.retries: expected a number <= 10.0, got 11");
        assertRejected("nixbuild-kvm.yaml", spec -> spec.put("retries", -1),
                "spec.retries: expected a number >= 0.0, got -1");
        assertRejected("buildmachine-default.yaml", spec -> spec.put("speedFactor", 0),
                "spec.speedFactor: expected a number > 0.0, got 0");
        assertRejected("buildmachine-default.yaml", spec -> spec.put("maxJobs", 0),
                "spec.maxJobs: expected a number >= 1.0, got 0");
        assertRejected("buildmachine-default.yaml", spec -> spec.put("maxJobs", "2"),
                "spec.maxJobs: expected type integer, got \"2\"");
    }

    @Test
    void requiredFieldsAreEnforced() {
        assertRejected("buildmachine-default.yaml", spec -> spec.remove("systems"),
                "spec.systems: expected a value (the field is required), got nothing");
        assertRejected("buildmachine-default.yaml", spec -> spec.putArray("systems"),
                "spec.systems: expected at least 1 items, got []");
        JsonNode noSpec = Examples.read("nixbuild-hello-expression.yaml").deepCopy();
        ((ObjectNode) noSpec).remove("spec");
        assertThat(validate(noSpec)).containsExactly("spec: expected a value (the field is required), got nothing");
    }

    @Test
    void unknownFieldsAreRejected() {
        assertRejected("buildmachine-default.yaml", spec -> spec.put("maxjobs", 2),
                "spec.maxjobs: expected no such field");
    }

    @Test
    void statusOutputsFollowNixFormats() {
        ObjectNode build = (ObjectNode) Examples.read("nixbuild-hello-expression.yaml").deepCopy();
        ObjectNode output = build.putObject("status").put("phase", "Succeeded").putArray("outputs").addObject()
                .put("name", "out")
                .put("path", "/nix/store/rhr2igzm86nymdphq4j208vskwjpr7jp-hello-nixpool")
                .put("narHash", "sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw")
                .put("narSize", 120);
        assertThat(validate(build)).isEmpty();
        // base16 is a valid Nix hash encoding too, but status always carries the nix32 form Nix serves
        output.put("narHash", "sha256:1f6d53d7cb3c8a5ac0c1f14f5a7e7ad9ba1e0b6cf36ad7e4d6c0bf64b5a9f0a1");
        assertThat(validate(build)).singleElement().asString()
                .startsWith("status.outputs[0].narHash: expected a string matching " + ApiPatterns.NAR_HASH);
        output.put("narHash", "sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw");
        ((ObjectNode) build.get("status")).put("phase", "Done");
        assertThat(validate(build)).singleElement().asString().startsWith("status.phase: expected one of [");
    }

    private static void assertRejected(String example, Consumer<ObjectNode> breakSpec, String expectedErrorPrefix) {
        JsonNode resource = Examples.read(example).deepCopy();
        breakSpec.accept((ObjectNode) resource.get("spec"));
        List<String> errors = validate(resource);
        assertThat(errors).as("errors for a broken " + example).hasSize(1);
        assertThat(errors.get(0)).startsWith(expectedErrorPrefix);
    }

    private static List<String> validate(JsonNode resource) {
        String crd = CrdFiles.kindToFile().get(resource.path("kind").asText());
        assertThat(crd).as("CRD for kind " + resource.path("kind")).isNotNull();
        return SchemaValidator.validate(CrdFiles.schema(crd), resource);
    }

    private static String readText(String example) {
        try {
            return Files.readString(Examples.dir().resolve(example));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
