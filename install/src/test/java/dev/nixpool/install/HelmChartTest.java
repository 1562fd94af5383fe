package dev.nixpool.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;

/** The chart through Helm's own engine: lint, and template with the defaults. */
class HelmChartTest {

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(Chart.dir()).lint().strict().call();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultsRenderTheOperatorWithoutOptionalObjects() {
        List<JsonNode> docs = Chart.template(Map.of());
        assertThat(Manifests.ids(docs)).containsExactlyInAnyOrder(
                "ServiceAccount/nixpool-system/nixpool-operator",
                "ClusterRole//nixpool-operator",
                "ClusterRoleBinding//nixpool-operator",
                "Role/nixpool-system/nixpool-operator-leader-election",
                "RoleBinding/nixpool-system/nixpool-operator-leader-election",
                "Deployment/nixpool-system/nixpool-operator",
                "Service/nixpool-system/nixpool-operator");
        JsonNode deployment = Manifests.find(docs, "Deployment", "nixpool-operator");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(deployment.at("/spec/strategy/type").asText()).as("never two operators at once")
                .isEqualTo("Recreate");
        JsonNode c = deployment.at("/spec/template/spec/containers/0");
        assertThat(c.path("image").asText()).as("the image tag defaults to the chart's appVersion")
                .isEqualTo("nixpool/operator:0.1.0");
        assertThat(c.path("env").findValuesAsText("name")).as("optional settings stay unset")
                .containsExactly("JAVA_TOOL_OPTIONS", "NIXPOOL_LOGS_DIR");
        assertThat(deployment.at("/spec/template/spec/volumes/1/emptyDir/sizeLimit").asText()).isEqualTo("4Gi");
    }

    @Test
    void theGatewayServiceTellsTheOperatorItsAddressForTheMachinesLines() {
        List<JsonNode> docs = Chart.template(Map.of("gateway.service.enabled", "true"));
        assertThat(Manifests.ids(docs)).contains("Service/nixpool-system/nixpool-operator-gateway");
        JsonNode env = Manifests.find(docs, "Deployment", "nixpool-operator")
                .at("/spec/template/spec/containers/0/env");
        Map<String, String> values = new TreeMap<>();
        env.forEach(e -> values.put(e.get("name").asText(), e.path("value").asText()));
        assertThat(values).containsEntry("NIXPOOL_GATEWAY_ENABLED", "true")
                .containsEntry("NIXPOOL_GATEWAY_ADDRESS", "nixpool-operator-gateway.nixpool-system.svc");
    }

    @Test
    void theReleaseNameDoesNotRenameObjects() {
        List<JsonNode> docs = Manifests.parse(new Helm(Chart.dir()).template().withName("other-release")
                .withNamespace("ops").call());
        JsonNode binding = Manifests.find(docs, "ClusterRoleBinding", "nixpool-operator");
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("ops");
        assertThat(Manifests.find(docs, "Deployment", "nixpool-operator").at("/metadata/namespace").asText())
                .isEqualTo("ops");
    }

    @Test
    void chartCrdsAreByteForByteTheGeneratedOnes() throws Exception {
        Path generated = Manifests.repoRoot().resolve("crds");
        Path chart = Chart.dir().resolve("crds");
        List<String> generatedFiles;
        try (var files = Files.list(generated)) {
            generatedFiles = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted()
                    .toList();
        }
        List<String> chartFiles;
        try (var files = Files.list(chart)) {
            chartFiles = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(chartFiles).as("deploy/helm/nixpool/crds/ holds exactly the CRDs of crds/ (no kustomization.yaml: "
                + "Helm would apply every file there)").isEqualTo(generatedFiles);
        for (String file : generatedFiles) {
            assertThat(Files.readAllBytes(chart.resolve(file)))
                    .as("deploy/helm/nixpool/crds/%s differs from crds/%s: copy it again with "
                            + "`cp crds/*.yml deploy/helm/nixpool/crds/`", file, file)
                    .isEqualTo(Files.readAllBytes(generated.resolve(file)));
        }
    }

    /**
     * {@code helm package deploy/helm/nixpool} then {@code helm install --dry-run=client} of the package: the chart
     * loads from the repository as files (its CRDs real files, not links), packages with its CRDs, and installs.
     */
    @Test
    void packagesWithItsCrdsAndInstallsFromThePackage(@TempDir Path out) throws Exception {
        new Helm(Chart.dir()).packageIt().withDestination(out).call();
        Path tgz = out.resolve("nixpool-0.1.0.tgz");
        assertThat(tgz).isRegularFile();
        // `helm show crds` prints the files one after the other (no document separator): look for each whole file
        String shown = Helm.show(tgz.toString()).crds().call();
        for (String file : List.of("buildmachines.nixpool.dev-v1.yml", "nixbuilds.nixpool.dev-v1.yml")) {
            assertThat(shown).as("the package's crds/%s", file)
                    .contains(Files.readString(Manifests.repoRoot().resolve("crds").resolve(file)));
        }
        Release release = Helm.install(tgz.toString()).withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
                .dryRun().clientOnly().call();
        assertThat(release.getStatus()).isEqualTo("pending-install");
        assertThat(release.getOutput()).contains("nixpool-operator");
    }
}
