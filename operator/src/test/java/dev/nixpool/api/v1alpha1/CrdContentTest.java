package dev.nixpool.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.Pluralize;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** The committed CRDs carry the admission rules and the kubectl presentation the API promises. */
class CrdContentTest {

    private static final JsonNode BM = CrdFiles.committed(CrdFiles.BUILD_MACHINES);
    private static final JsonNode NB = CrdFiles.committed(CrdFiles.NIX_BUILDS);

    @Test
    void identityScopeNamesAndSubresource() {
        for (JsonNode crd : List.of(BM, NB)) {
            assertThat(crd.path("apiVersion").asText()).isEqualTo("apiextensions.k8s.io/v1");
            assertThat(crd.at("/spec/group").asText()).isEqualTo("nixpool.dev");
            assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
            assertThat(texts(crd.at("/spec/names/categories"))).containsExactly("nixpool");
            JsonNode version = crd.at("/spec/versions/0");
            assertThat(version.path("name").asText()).isEqualTo("v1alpha1");
            assertThat(version.path("served").asBoolean()).isTrue();
            assertThat(version.path("storage").asBoolean()).isTrue();
            assertThat(version.at("/subresources/status").isObject()).isTrue();
            assertThat(texts(version.at("/schema/openAPIV3Schema/required"))).containsExactly("spec");
        }
        assertThat(BM.at("/metadata/name").asText()).isEqualTo("buildmachines.nixpool.dev");
        assertThat(BM.at("/spec/names/kind").asText()).isEqualTo("BuildMachine");
        assertThat(texts(BM.at("/spec/names/shortNames"))).containsExactly("bm");
        assertThat(NB.at("/metadata/name").asText()).isEqualTo("nixbuilds.nixpool.dev");
        assertThat(NB.at("/spec/names/kind").asText()).isEqualTo("NixBuild");
        assertThat(texts(NB.at("/spec/names/shortNames"))).containsExactly("nb");
    }

    @Test
    void namedPluralsAreTheOnesFabric8WouldDeriveAndTheCrdsCarry() {
        for (Class<? extends HasMetadata> type : List.of(NixBuild.class, BuildMachine.class)) {
            String singular = type.getSimpleName().toLowerCase(Locale.ROOT);
            assertThat(HasMetadata.getSingular(type)).isEqualTo(singular);
            assertThat(HasMetadata.getPlural(type)).isEqualTo(Pluralize.toPlural(singular));
        }
        assertThat(NB.at("/spec/names/plural").asText()).isEqualTo(HasMetadata.getPlural(NixBuild.class));
        assertThat(BM.at("/spec/names/plural").asText()).isEqualTo(HasMetadata.getPlural(BuildMachine.class));
        assertThat(new NixBuild().getPlural()).isEqualTo("nixbuilds");
    }

    @Test
    void printerColumnsInTheirDeliberateOrderWithTheWideOnesLast() {
        assertThat(columns(NB)).containsExactly("Phase=.status.phase@0", "Machine=.status.machine@0",
                "Output=.status.outputs[0].path@0", "Age=.metadata.creationTimestamp@0", "Builder=.status.builder@1",
                "Attempts=.status.attempts@1", "Queue=.status.queuePosition@1", "Duration=.status.duration@1");
        assertThat(columns(BM)).containsExactly("Systems=.status.systemsSummary@0",
                "Features=.status.featuresSummary@0", "Idle=.status.idleBuilders@0", "Busy=.status.busyBuilders@0",
                "Queued=.status.queued@0", "Age=.metadata.creationTimestamp@0", "Starting=.status.startingBuilders@1",
                "Builders=.status.builders@1", "Min-Idle=.spec.minIdle@1", "Max=.spec.maxBuilders@1");
    }

    @Test
    void everyPrinterColumnReadsAFieldTheSchemaHas() {
        for (String file : CrdFiles.NAMES) {
            JsonNode schema = CrdFiles.schema(file);
            CrdFiles.committed(file).at("/spec/versions/0/additionalPrinterColumns").forEach(c -> {
                String path = c.path("jsonPath").asText();
                if (path.startsWith(".metadata.")) {
                    return;
                }
                JsonNode node = schema;
                for (String step : path.substring(1).replace("[0]", ".[]").split("\\.")) {
                    node = step.equals("[]") ? node.path("items") : node.path("properties").path(step);
                }
                assertThat(node.isMissingNode()).as(file + " column " + c.path("name").asText() + " at " + path)
                        .isFalse();
            });
        }
    }

    @Test
    void buildMachineSpecRules() {
        JsonNode spec = CrdFiles.schema(CrdFiles.BUILD_MACHINES).at("/properties/spec");
        assertThat(texts(spec.path("required"))).containsExactly("systems");
        JsonNode p = spec.path("properties");
        assertThat(p.at("/systems/minItems").asInt()).isEqualTo(1);
        assertThat(p.at("/systems/maxItems").asInt()).isEqualTo(ApiPatterns.MAX_SYSTEMS);
        assertThat(p.at("/systems/items/pattern").asText()).isEqualTo(ApiPatterns.SYSTEM);
        assertThat(p.at("/maxJobs/default").asInt()).isEqualTo(1);
        assertThat(p.at("/maxJobs/minimum").asInt()).isEqualTo(1);
        assertThat(p.at("/speedFactor/default").asDouble()).isEqualTo(1.0);
        assertThat(p.at("/speedFactor/minimum").asDouble()).isEqualTo(0.0);
        assertThat(p.at("/speedFactor/exclusiveMinimum").asBoolean()).isTrue();
        assertThat(p.at("/supportedFeatures/items/pattern").asText()).isEqualTo(ApiPatterns.FEATURE);
        assertThat(p.at("/mandatoryFeatures/items/pattern").asText()).isEqualTo(ApiPatterns.FEATURE);
        assertThat(p.at("/mandatoryFeatures/maxItems").asInt()).isEqualTo(ApiPatterns.MAX_FEATURES);
        assertThat(p.at("/maxBuilders/default").asInt()).isEqualTo(10);
        assertThat(p.at("/maxBuilders/minimum").asInt()).isEqualTo(1);
        assertThat(p.at("/ephemeral/default").asBoolean()).isTrue();
        assertThat(p.at("/template/properties/imagePullPolicy/default").asText()).isEqualTo("IfNotPresent");
        assertThat(p.at("/template/properties").fieldNames()).toIterable()
                .contains("image", "resources", "nodeSelector", "tolerations", "affinity", "env");
        assertThat(p.at("/featurePlacement/maxProperties").asInt()).isEqualTo(ApiPatterns.MAX_FEATURES);
        assertThat(p.at("/featurePlacement/x-kubernetes-validations/0/rule").asText())
                .isEqualTo("self.all(f, f.matches('^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$'))");
        assertThat(p.at("/featurePlacement/additionalProperties/properties").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("nodeSelector", "tolerations", "resources");
    }

    @Test
    void buildMachineStatusFields() {
        JsonNode p = CrdFiles.schema(CrdFiles.BUILD_MACHINES).at("/properties/status/properties");
        assertThat(p.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("conditions", "observedGeneration", "builders", "startingBuilders",
                        "idleBuilders", "busyBuilders", "queued", "selector", "systemsSummary", "featuresSummary",
                        "machinesLine");
    }

    @Test
    void buildMachineHasAScaleSubresourceOverMinIdle() {
        JsonNode scale = CrdFiles.committed(CrdFiles.BUILD_MACHINES).at("/spec/versions/0/subresources/scale");
        assertThat(scale.path("specReplicasPath").asText()).isEqualTo(".spec.minIdle");
        assertThat(scale.path("statusReplicasPath").asText()).isEqualTo(".status.idleBuilders");
        assertThat(scale.path("labelSelectorPath").asText()).isEqualTo(".status.selector");
        JsonNode rule = CrdFiles.schema(CrdFiles.BUILD_MACHINES).at("/properties/spec/x-kubernetes-validations/0");
        assertThat(rule.path("rule").asText()).contains("self.minIdle <= self.maxBuilders");
        assertThat(rule.path("message").asText()).isEqualTo("minIdle must not exceed maxBuilders");
    }

    @Test
    void nixBuildSpecRules() {
        JsonNode spec = CrdFiles.schema(CrdFiles.NIX_BUILDS).at("/properties/spec");
        JsonNode rule = spec.at("/x-kubernetes-validations/0");
        assertThat(rule.path("rule").asText())
                .isEqualTo("[has(self.derivation), has(self.expression), has(self.flake)].filter(x, x).size() == 1");
        assertThat(rule.path("message").asText())
                .isEqualTo("exactly one of derivation, expression or flake must be set");
        JsonNode p = spec.path("properties");
        assertThat(p.at("/derivation/pattern").asText()).isEqualTo(ApiPatterns.DRV_PATH).endsWith("\\.drv$");
        assertThat(p.at("/expression/maxLength").asInt()).isEqualTo(65536);
        assertThat(p.at("/system/default").asText()).isEqualTo("x86_64-linux");
        assertThat(p.at("/system/pattern").asText()).isEqualTo(ApiPatterns.SYSTEM);
        assertThat(p.at("/requiredSystemFeatures/items/pattern").asText()).isEqualTo(ApiPatterns.FEATURE);
        assertThat(p.at("/machine/pattern").asText()).isEqualTo(ApiPatterns.OBJECT_NAME);
        assertThat(p.at("/retries/default").asInt()).isEqualTo(2);
        assertThat(p.at("/retries/minimum").asInt()).isZero();
        assertThat(p.at("/retries/maximum").asInt()).isEqualTo(10);
        assertThat(p.at("/timeoutSeconds/minimum").asInt()).isEqualTo(1);
        assertThat(p.at("/maxSilentSeconds/minimum").asInt()).isEqualTo(1);
        assertThat(p.at("/substituters/maxItems").asInt()).isEqualTo(16);
        assertThat(p.at("/trustedPublicKeys/maxItems").asInt()).isEqualTo(16);
    }

    @Test
    void nixBuildSpecIsImmutableByATransitionRule() throws Exception {
        JsonNode spec = CrdFiles.schema(CrdFiles.NIX_BUILDS).at("/properties/spec");
        JsonNode rule = spec.at("/x-kubernetes-validations/1");
        assertThat(rule.path("rule").asText()).isEqualTo("self == oldSelf");
        assertThat(rule.path("message").asText()).isEqualTo(NixBuildSpec.IMMUTABLE).contains("spec is immutable");
        ObjectMapper json = new ObjectMapper();
        JsonNode old = json.readTree("{\"expression\":\"1\",\"system\":\"x86_64-linux\",\"retries\":2}");
        JsonNode same = json.readTree("{\"expression\":\"1\",\"system\":\"x86_64-linux\",\"retries\":2}");
        JsonNode edited = json.readTree("{\"expression\":\"2\",\"system\":\"x86_64-linux\",\"retries\":2}");
        JsonNode timeout = json.readTree(
                "{\"expression\":\"1\",\"system\":\"x86_64-linux\",\"retries\":2,\"timeoutSeconds\":5}");
        assertThat(CelRules.holds(rule.path("rule").asText(), same, old)).as("an update that keeps the spec").isTrue();
        assertThat(CelRules.holds(rule.path("rule").asText(), edited, old)).as("a new expression").isFalse();
        assertThat(CelRules.holds(rule.path("rule").asText(), timeout, old)).as("a field added").isFalse();
        assertThat(CelRules.isTransitionRule(rule.path("rule").asText())).isTrue();
        assertThat(SchemaValidator.validate(CrdFiles.schema(CrdFiles.NIX_BUILDS).at("/properties/spec"), edited))
                .as("a create is not held to the transition rule").isEmpty();
    }

    @Test
    void aFlakeCannotStartWithADashOrHoldWhitespace() {
        JsonNode flake = CrdFiles.schema(CrdFiles.NIX_BUILDS).at("/properties/spec/properties/flake");
        assertThat(flake.path("pattern").asText()).isEqualTo(ApiPatterns.FLAKE);
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(ApiPatterns.FLAKE);
        assertThat(List.of("github:owner/repo#hello", "nixpkgs#hello", "path:/src", ".#x", "git+https://h/r?ref=a#b"))
                .allMatch(f -> pattern.matcher(f).matches());
        assertThat(List.of("--option", "-L", "#attr", "nixpkgs# hello", " nixpkgs#x", "a\tb", ""))
                .noneMatch(f -> pattern.matcher(f).matches());
    }

    @Test
    void copyToIsCheckedAtAdmission() throws Exception {
        JsonNode copyTo = CrdFiles.schema(CrdFiles.NIX_BUILDS).at("/properties/spec/properties/copyTo");
        assertThat(CrdFiles.schema(CrdFiles.BUILD_MACHINES).at("/properties/spec/properties/copyTo/properties"))
                .as("the pool default has the same schema").isEqualTo(copyTo.path("properties"));
        String key = "\"signingKeySecretRef\": {\"name\": \"cache-key\", \"key\": \"secret\"}";
        assertThat(copyToProblems(copyTo, "{\"uri\": \"file:///var/cache/nix\", " + key + "}")).isEmpty();
        assertThat(copyToProblems(copyTo, "{\"uri\": \"s3://bucket?region=eu-west-1\", " + key
                + ", \"credentialsSecretRef\": {\"name\": \"s3\"}, \"compression\": \"zstd\"}")).isEmpty();
        assertThat(copyToProblems(copyTo, "{\"uri\": \"https://cache.example.org/upload\", " + key + "}")).isEmpty();
        assertThat(copyToProblems(copyTo, "{\"uri\": \"ssh-ng://nix@cache.example.org\", " + key
                + ", \"credentialsSecretRef\": {\"name\": \"ssh\"}}")).isEmpty();
        assertThat(copyToProblems(copyTo, "{\"uri\": \"ssh-ng://nix@cache.example.org\", " + key + "}"))
                .singleElement().asString().contains("ssh-ng:// destination needs credentialsSecretRef");
        assertThat(copyToProblems(copyTo, "{\"uri\": \"ssh://nix@store.example.org:2222\", " + key
                + ", \"credentialsSecretRef\": {\"name\": \"ssh\"}}")).isEmpty();
        assertThat(copyToProblems(copyTo, "{\"uri\": \"ssh://nix@store.example.org\", " + key + "}"))
                .singleElement().asString().contains("ssh-ng:// destination needs credentialsSecretRef");
        assertThat(copyToProblems(copyTo, "{\"uri\": \"https://cache.example.org/upload\"}"))
                .singleElement().asString().contains("signingKeySecretRef");
        assertThat(copyToProblems(copyTo, "{\"uri\": \"ftp://cache.example.org\", " + key + "}")).isNotEmpty();
        assertThat(copyToProblems(copyTo, "{\"uri\": \"file://relative\", " + key + "}")).isNotEmpty();
        assertThat(copyToProblems(copyTo, "{\"uri\": \"s3://bucket\", " + key + "}")).singleElement().asString()
                .contains("an s3://, ssh:// or ssh-ng:// destination needs credentialsSecretRef");
        assertThat(copyToProblems(copyTo, "{\"uri\": \"file:///c?secret-key=/k\", " + key + "}")).singleElement()
                .asString().contains("must not carry secret-key=");
        assertThat(copyToProblems(copyTo, "{\"uri\": \"file:///c?compression=xz\", \"compression\": \"zstd\", "
                + key + "}")).singleElement().asString().contains("either in the uri or in the compression field");
        assertThat(copyToProblems(copyTo, "{\"uri\": \"file:///c\", \"compression\": \"bzip2\", " + key + "}"))
                .singleElement().asString().contains("one of");
        assertThat(copyToProblems(copyTo, "{\"uri\": \"file:///c\", \"signingKeySecretRef\": {\"name\": \"Bad_Name\","
                + " \"key\": \"k\"}}")).isNotEmpty();
    }

    private static List<String> copyToProblems(JsonNode schema, String json) throws Exception {
        return SchemaValidator.validate(schema, new ObjectMapper().readTree(json));
    }

    @Test
    void nixBuildStatusFields() {
        JsonNode p = CrdFiles.schema(CrdFiles.NIX_BUILDS).at("/properties/status/properties");
        assertThat(texts(p.at("/phase/enum")))
                .containsExactlyInAnyOrder("Pending", "Scheduled", "Building", "Uploading", "Succeeded", "Failed");
        assertThat(p.at("/outputs/items/properties/narHash/pattern").asText()).isEqualTo(ApiPatterns.NAR_HASH);
        assertThat(p.at("/outputs/items/properties/path/pattern").asText()).isEqualTo(ApiPatterns.STORE_PATH);
        assertThat(p.fieldNames()).toIterable().containsExactlyInAnyOrder("phase", "machine", "builder", "derivation",
                "outputs", "buildStatus", "attempts", "startTime", "completionTime", "duration", "logTail",
                "conditions",
                "observedGeneration", "queuePosition");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> columns(JsonNode crd) {
        List<String> out = new ArrayList<>();
        crd.at("/spec/versions/0/additionalPrinterColumns")
                .forEach(c -> out.add(c.path("name").asText() + "=" + c.path("jsonPath").asText() + "@"
                        + c.path("priority").asInt()));
        return out;
    }
}
