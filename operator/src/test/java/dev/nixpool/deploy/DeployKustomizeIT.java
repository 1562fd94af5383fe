package dev.nixpool.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Renders deploy/ with the real {@code kubectl kustomize}, as {@code kubectl apply -k deploy/} would. */
class DeployKustomizeIT {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? Double.compare(a.asDouble(), b.asDouble())
            : a.equals(b) ? 0 : 1;

    @Test
    void baseRendersTheOperatorInstall() throws Exception {
        List<JsonNode> docs = kustomize("deploy");
        assertThat(docs).extracting(d -> d.path("kind").asText() + "/" + d.at("/metadata/name").asText())
                .containsExactlyInAnyOrder("Namespace/nixpool-system",
                        "CustomResourceDefinition/buildmachines.nixpool.dev",
                        "CustomResourceDefinition/nixbuilds.nixpool.dev", "ServiceAccount/nixpool-operator",
                        "ClusterRole/nixpool-operator", "ClusterRoleBinding/nixpool-operator",
                        "Deployment/nixpool-operator");
        for (JsonNode doc : docs) {
            String kind = doc.path("kind").asText();
            boolean clusterScoped = List
                    .of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding")
                    .contains(kind);
            assertThat(doc.at("/metadata/namespace").asText()).as(kind + " namespace")
                    .isEqualTo(clusterScoped ? "" : "nixpool-system");
        }
    }

    @Test
    void renderedCrdsAreTheCommittedOnes() throws Exception {
        List<JsonNode> docs = kustomize("deploy");
        Path crds = repoRoot().resolve("crds");
        for (String file : List.of("buildmachines.nixpool.dev-v1.yml", "nixbuilds.nixpool.dev-v1.yml")) {
            JsonNode committed = YAML.readTree(crds.resolve(file).toFile());
            JsonNode rendered = find(docs, "CustomResourceDefinition", committed.at("/metadata/name").asText());
            // kustomize re-serializes 1000.0 as 1000: compare numbers by value, everything else exactly
            assertThat(committed.get("spec").equals(NUMBERS_BY_VALUE, rendered.get("spec")))
                    .as("spec of the rendered " + file + " equals the committed one").isTrue();
        }
    }

    @Test
    void deploymentIsHardenedAndProbed() throws Exception {
        JsonNode pod = find(kustomize("deploy"), "Deployment", "nixpool-operator").at("/spec/template/spec");
        JsonNode deployment = find(kustomize("deploy"), "Deployment", "nixpool-operator");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(deployment.at("/spec/strategy/type").asText()).as("never two operators at once")
                .isEqualTo("Recreate");
        assertThat(pod.path("serviceAccountName").asText()).isEqualTo("nixpool-operator");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        JsonNode c = pod.at("/containers/0");
        assertThat(c.path("image").asText()).isEqualTo("nixpool/operator:0.1.0");
        assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(c.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(c.at("/ports/1/name").asText()).as("the management interface").isEqualTo("metrics");
        assertThat(c.at("/ports/1/containerPort").asInt()).isEqualTo(9000);
        assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(c.at("/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");
        assertThat(c.at("/resources/requests/memory").asText()).isNotEmpty();
        assertThat(c.at("/resources/limits/memory").asText()).isNotEmpty();
        assertThat(c.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/tmp");
        assertThat(pod.at("/volumes/0/emptyDir").isObject()).isTrue();
        assertThat(c.at("/volumeMounts/1/mountPath").asText()).as("build logs off the small /tmp volume")
                .isEqualTo("/var/lib/nixpool/logs");
        assertThat(c.path("env").findValuesAsText("name")).contains("NIXPOOL_LOGS_DIR");
    }

    @Test
    void rbacGrantsOnlyWhatTheOperatorUses() throws Exception {
        List<JsonNode> docs = kustomize("deploy");
        List<String> rules = rules(find(docs, "ClusterRole", "nixpool-operator"));
        assertThat(rules).containsExactlyInAnyOrder(
                "nixpool.dev/nixbuilds:get,list,watch,patch,update",
                "nixpool.dev/buildmachines:get,list,watch,patch,update",
                "nixpool.dev/nixbuilds/status:get,patch,update",
                "nixpool.dev/buildmachines/status:get,patch,update",
                "nixpool.dev/nixbuilds/finalizers:update",
                "nixpool.dev/buildmachines/finalizers:update",
                "/pods:get,list,watch,create,delete",
                "/secrets:get,list,watch,create,delete",
                "/events:create",
                "apiextensions.k8s.io/customresourcedefinitions:get,list");
        JsonNode binding = find(docs, "ClusterRoleBinding", "nixpool-operator");
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("nixpool-system");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("nixpool-operator");
    }

    @Test
    void builderNamespacePolicyAdmitsOnlyTheOperatorOnSsh() throws Exception {
        List<JsonNode> docs = kustomize("deploy/builder-namespace");
        assertThat(docs).hasSize(1);
        JsonNode policy = find(docs, "NetworkPolicy", "nixpool-builders");
        assertThat(policy.at("/metadata/namespace").isMissingNode()).as("namespace left to the caller").isTrue();
        assertThat(policy.at("/spec/podSelector/matchLabels/app.kubernetes.io~1component").asText())
                .isEqualTo("builder");
        assertThat(policy.at("/spec/podSelector/matchLabels/app.kubernetes.io~1managed-by").asText())
                .isEqualTo("nixpool");
        JsonNode from = policy.at("/spec/ingress/0/from");
        assertThat(from).hasSize(1);
        assertThat(from.at("/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                .isEqualTo("nixpool-system");
        assertThat(from.at("/0/podSelector/matchLabels/app.kubernetes.io~1name").asText())
                .isEqualTo("nixpool-operator");
        assertThat(policy.at("/spec/ingress/0/ports/0/port").asInt()).isEqualTo(2222);
        // the selected labels are the ones the operator's Deployment gives its pods
        JsonNode operatorPod = find(kustomize("deploy"), "Deployment", "nixpool-operator").at("/spec/template");
        assertThat(operatorPod.at("/metadata/labels/app.kubernetes.io~1name").asText()).isEqualTo("nixpool-operator");
    }

    private static List<String> rules(JsonNode role) {
        List<String> out = new ArrayList<>();
        for (JsonNode rule : role.path("rules")) {
            List<String> verbs = new ArrayList<>();
            rule.path("verbs").forEach(v -> verbs.add(v.asText()));
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    out.add(group.asText() + "/" + resource.asText() + ":" + String.join(",", verbs));
                }
            }
        }
        return out;
    }

    private static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> d.path("kind").asText().equals(kind) && d.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("kustomize output has no " + kind + "/" + name));
    }

    private static List<JsonNode> kustomize(String dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("nixpool-kustomize", ".yaml");
        Path err = Files.createTempFile("nixpool-kustomize", ".err");
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir).directory(repoRoot().toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("kubectl kustomize " + dir + " did not finish within 60 s");
            }
            assertThat(p.exitValue())
                    .as("kubectl kustomize " + dir + ": " + Files.readString(err, StandardCharsets.UTF_8))
                    .isZero();
            List<JsonNode> docs = new ArrayList<>();
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(out.toFile())) {
                while (it.hasNext()) {
                    JsonNode doc = it.next();
                    if (!doc.isNull() && !doc.isEmpty()) {
                        docs.add(doc);
                    }
                }
            }
            return docs;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Path repoRoot() {
        return Path.of(System.getProperty("nixpool.repo.root")).toAbsolutePath().normalize();
    }
}
