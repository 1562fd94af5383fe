package dev.nixpool.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Both installs create the same objects: the chart's default render (Helm's engine) and {@code kubectl kustomize
 * deploy/} (the real kubectl) hold the same kind/namespace/name set and, Helm's own labels aside, the same objects
 * field for field: RBAC rules, the Deployment's image, args, env, ports, probes, volumes and security settings. The
 * one expected difference is the Namespace, which a Helm release does not own ({@code helm install -n nixpool-system
 * --create-namespace}); the CRDs come from the chart's crds/ directory, which {@code helm template} leaves out.
 */
class ChartKustomizeParityIT {

    @Test
    void defaultChartRenderIsTheKustomizeBase() throws Exception {
        List<JsonNode> kustomize = Kustomize.render("deploy");
        List<JsonNode> helm = Chart.template(Map.of());

        List<JsonNode> expected = kustomize.stream()
                .filter(d -> !d.path("kind").asText().equals("Namespace"))
                .filter(d -> !d.path("kind").asText().equals("CustomResourceDefinition"))
                .toList();
        assertThat(Manifests.ids(helm)).containsExactlyInAnyOrderElementsOf(Manifests.ids(expected));
        Map<String, JsonNode> rendered = byId(helm);
        for (JsonNode object : expected) {
            JsonNode chartObject = Manifests.withoutHelmLabels(rendered.get(Manifests.id(object)));
            assertThat(object.equals(Manifests.NUMBERS_BY_VALUE, chartObject))
                    .as("%s%n kustomize: %s%n chart:     %s", Manifests.id(object), object, chartObject).isTrue();
        }
    }

    @Test
    void chartCrdsAreTheOnesKustomizeInstalls() throws Exception {
        List<JsonNode> crds = Manifests.ofKind(Kustomize.render("deploy"), "CustomResourceDefinition");
        assertThat(crds).hasSize(2);
        for (JsonNode crd : crds) {
            String name = crd.at("/metadata/name").asText();
            JsonNode chartCrd = Manifests.read(Chart.dir().resolve("crds").resolve(name + "-v1.yml"));
            // kustomize adds the part-of label; the schema and everything else are the same
            ObjectNode stripped = crd.deepCopy();
            ((ObjectNode) stripped.path("metadata")).remove("labels");
            ObjectNode chartStripped = chartCrd.deepCopy();
            ((ObjectNode) chartStripped.path("metadata")).remove("labels");
            assertThat(stripped.equals(Manifests.NUMBERS_BY_VALUE, chartStripped)).as("CRD %s", name).isTrue();
        }
    }

    @Test
    void chartBuilderPolicyIsTheBuilderNamespaceKustomization() throws Exception {
        JsonNode kustomize = Manifests.find(Kustomize.render("deploy/builder-namespace"), "NetworkPolicy",
                "nixpool-builders");
        JsonNode chart = Manifests.find(Chart.template(Map.of("builderNetworkPolicy.namespaces[0]", "team-a")),
                "NetworkPolicy", "nixpool-builders");
        assertThat(chart.at("/metadata/namespace").asText()).isEqualTo("team-a");
        assertThat(kustomize.path("spec").equals(Manifests.NUMBERS_BY_VALUE, chart.path("spec")))
                .as("spec%n kustomize: %s%n chart:     %s", kustomize.path("spec"), chart.path("spec")).isTrue();
    }

    private static Map<String, JsonNode> byId(List<JsonNode> docs) {
        return docs.stream().collect(Collectors.toMap(Manifests::id, Function.identity()));
    }
}
