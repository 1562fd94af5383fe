package dev.nixpool.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The chart rendered with every value set (src/test/resources/every-value.yaml): each one has its effect. */
class HelmValuesTest {

    private static final Path EVERY_VALUE = Path
            .of(System.getProperty("nixpool.repo.root"), "install/src/test/resources/every-value.yaml");

    @Test
    void everyValueOfTheChartIsSetInTheTestValues() {
        List<String> defaults = leaves(Manifests.read(Chart.dir().resolve("values.yaml")), "");
        List<String> set = leaves(Manifests.read(EVERY_VALUE), "");
        // an empty map by default ({} for nodeSelector) is set by setting any key under it
        assertThat(defaults).as("values.yaml leaves that every-value.yaml sets")
                .allSatisfy(d -> assertThat(set).anyMatch(s -> s.equals(d) || s.startsWith(d + ".")));
    }

    @Test
    void operatorDeploymentTakesImageSchedulingEnvAndVolumes() {
        List<JsonNode> docs = Chart.template(EVERY_VALUE);
        JsonNode deployment = Manifests.find(docs, "Deployment", "np");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(deployment.at("/spec/strategy/type").asText()).as("leader election: rolling is safe")
                .isEqualTo("RollingUpdate");
        JsonNode pod = deployment.at("/spec/template");
        assertThat(pod.at("/metadata/annotations/example.org~1team").asText()).isEqualTo("builds");
        assertThat(pod.at("/metadata/labels/app.kubernetes.io~1name").asText())
                .as("the label builder NetworkPolicies select stays").isEqualTo("nixpool-operator");
        JsonNode spec = pod.path("spec");
        assertThat(spec.path("serviceAccountName").asText()).isEqualTo("np");
        assertThat(spec.at("/imagePullSecrets/0/name").asText()).isEqualTo("regcred");
        assertThat(spec.at("/nodeSelector/kubernetes.io~1os").asText()).isEqualTo("linux");
        assertThat(spec.at("/tolerations/0/key").asText()).isEqualTo("dedicated");
        assertThat(spec.at("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0"
                + "/matchExpressions/0/key").asText()).isEqualTo("kubernetes.io/arch");
        JsonNode c = spec.at("/containers/0");
        assertThat(c.path("image").asText()).isEqualTo("registry.example.org/nixpool/operator:9.9.9");
        assertThat(c.path("imagePullPolicy").asText()).isEqualTo("Always");
        assertThat(c.at("/resources/requests/cpu").asText()).isEqualTo("250m");
        assertThat(c.at("/resources/limits/memory").asText()).isEqualTo("1Gi");
        assertThat(env(c)).containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "team-a,team-b")
                .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true")
                .containsEntry("QUARKUS_MANAGEMENT_PORT", "9100")
                .containsEntry("NIXPOOL_BUILDER_IMAGE", "registry.example.org/nixpool/builder:9.9.9");
        assertThat(ports(c)).containsEntry("http", 8080).containsEntry("metrics", 9100)
                .containsEntry("ssh-gateway", 2222);
        assertThat(spec.at("/volumes/1/name").asText()).isEqualTo("logs");
        assertThat(spec.at("/volumes/1/persistentVolumeClaim/claimName").asText()).isEqualTo("nixpool-logs");
        assertThat(spec.at("/volumes/1/emptyDir").isMissingNode()).isTrue();
        assertThat(Manifests.find(docs, "ServiceAccount", "np").at("/metadata/annotations/example.org~1role")
                .asText()).isEqualTo("nixpool");
    }

    @Test
    void theSchemaRefusesMistypedAndUnknownValues() {
        assertThatThrownBy(() -> Chart.template(Map.of("replicas", "two"))).hasMessageContaining("replicas");
        assertThatThrownBy(() -> Chart.template(Map.of("watchNamespace[0]", "team-a")))
                .as("a typo of watchNamespaces").hasMessageContaining("watchNamespace");
        assertThatThrownBy(() -> Chart.template(Map.of("builderNetworkPolicy.caches[0].cidr", "203.0.113.0/24")))
                .as("a cache without ports").hasMessageContaining("ports");
    }

    @Test
    void logsSizeLimitSizesTheEmptyDir() {
        JsonNode deployment = Manifests.find(Chart.template(Map.of("logs.sizeLimit", "1Gi")), "Deployment",
                "nixpool-operator");
        assertThat(deployment.at("/spec/template/spec/volumes/1/emptyDir/sizeLimit").asText()).isEqualTo("1Gi");
    }

    @Test
    void watchedNamespacesGetRoleBindingsAndTheClusterOnlyTheClusterScopedRules() {
        List<JsonNode> docs = Chart.template(EVERY_VALUE);
        assertThat(Manifests.ofKind(docs, "ClusterRoleBinding")).extracting(Manifests::id)
                .containsExactly("ClusterRoleBinding//np-cluster");
        assertThat(Manifests.rules(Manifests.find(docs, "ClusterRole", "np-cluster"))).containsExactlyInAnyOrder(
                "apiextensions.k8s.io/customresourcedefinitions:get", "authentication.k8s.io/tokenreviews:create",
                "authorization.k8s.io/subjectaccessreviews:create");
        List<String> namespaced = Manifests.rules(Manifests.find(docs, "ClusterRole", "np"));
        assertThat(namespaced).contains("/pods:get,list,watch,create,patch,delete")
                .noneMatch(r -> r.startsWith("apiextensions.k8s.io/") || r.startsWith("authentication.k8s.io/")
                        || r.startsWith("authorization.k8s.io/"));
        List<String> bindings = new ArrayList<>();
        for (JsonNode binding : Manifests.ofKind(docs, "RoleBinding")) {
            bindings.add(Manifests.id(binding) + "->" + binding.at("/roleRef/kind").asText() + "/"
                    + binding.at("/roleRef/name").asText() + " for " + binding.at("/subjects/0/namespace").asText()
                    + "/" + binding.at("/subjects/0/name").asText());
        }
        assertThat(bindings).containsExactlyInAnyOrder(
                "RoleBinding/team-a/np->ClusterRole/np for nixpool-system/np",
                "RoleBinding/team-b/np->ClusterRole/np for nixpool-system/np",
                "RoleBinding/nixpool-system/np-leader-election->Role/np-leader-election for nixpool-system/np");
    }

    @Test
    void gatewayServiceIsLabelledAsTheSshGateway() {
        JsonNode service = Manifests.find(Chart.template(EVERY_VALUE), "Service", "np-gateway");
        assertThat(service.at("/metadata/labels/app.kubernetes.io~1component").asText()).isEqualTo("ssh-gateway");
        assertThat(service.at("/metadata/annotations/example.org~1lb").asText()).isEqualTo("internal");
        assertThat(service.at("/spec/type").asText()).isEqualTo("LoadBalancer");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(22);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("ssh-gateway");
        assertThat(service.at("/spec/selector/app.kubernetes.io~1name").asText()).isEqualTo("nixpool-operator");
    }

    @Test
    void metricsServiceAndBothMonitorsScrapeTheManagementPort() {
        List<JsonNode> docs = Chart.template(EVERY_VALUE);
        JsonNode service = Manifests.find(docs, "Service", "np-metrics");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(9100);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("metrics");
        JsonNode serviceMonitor = Manifests.find(docs, "ServiceMonitor", "np");
        assertThat(serviceMonitor.at("/metadata/labels/release").asText()).isEqualTo("prometheus");
        assertThat(serviceMonitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics/prometheus");
        assertThat(serviceMonitor.at("/spec/endpoints/0/interval").asText()).isEqualTo("15s");
        // the ServiceMonitor selects the metrics Service by its labels
        serviceMonitor.at("/spec/selector/matchLabels").fields().forEachRemaining(
                e -> assertThat(service.at("/metadata/labels").path(e.getKey()).asText())
                        .as("metrics Service label " + e.getKey()).isEqualTo(e.getValue().asText()));
        JsonNode podMonitor = Manifests.find(docs, "PodMonitor", "np");
        assertThat(podMonitor.at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("metrics");
        assertThat(podMonitor.at("/spec/podMetricsEndpoints/0/path").asText()).isEqualTo("/q/metrics/prometheus");
        assertThat(podMonitor.at("/spec/podMetricsEndpoints/0/interval").asText()).isEqualTo("20s");
        assertThat(podMonitor.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText())
                .isEqualTo("nixpool-operator");
    }

    @Test
    void builderNetworkPolicyInEachListedNamespaceWithTheConfiguredEgress() {
        List<JsonNode> policies = Manifests.ofKind(Chart.template(EVERY_VALUE), "NetworkPolicy");
        assertThat(policies).extracting(Manifests::id).containsExactlyInAnyOrder(
                "NetworkPolicy/team-a/nixpool-builders", "NetworkPolicy/team-b/nixpool-builders");
        JsonNode spec = policies.get(0).path("spec");
        assertThat(spec.at("/ingress/0/ports/0/port").asInt()).isEqualTo(2022);
        assertThat(spec.at("/ingress/0/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                .isEqualTo("nixpool-system");
        JsonNode egress = spec.path("egress");
        assertThat(egress).hasSize(3);
        assertThat(egress.at("/0/to/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                .isEqualTo("dns-system");
        assertThat(egress.at("/0/to/0/podSelector/matchLabels/app").asText()).isEqualTo("node-local-dns");
        assertThat(egress.at("/0/ports").findValuesAsText("port")).containsExactly("5353", "5353");
        assertThat(egress.at("/1/to/0/ipBlock/cidr").asText()).isEqualTo("203.0.113.0/24");
        assertThat(egress.at("/1/to/0/ipBlock/except/0").asText()).isEqualTo("203.0.113.7/32");
        assertThat(egress.at("/1/ports/0/port").asInt()).isEqualTo(8443);
        assertThat(egress.at("/2/to/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                .isEqualTo("caches");
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        container.path("env").forEach(e -> out.put(e.path("name").asText(), e.path("value").asText()));
        return out;
    }

    private static Map<String, Integer> ports(JsonNode container) {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        container.path("ports").forEach(p -> out.put(p.path("name").asText(), p.path("containerPort").asInt()));
        return out;
    }

    /** Paths of the values' leaves; a list or a map counts as one leaf (set as a whole). */
    private static List<String> leaves(JsonNode node, String prefix) {
        List<String> out = new ArrayList<>();
        if (node.isObject() && !node.isEmpty() && !isFreeForm(prefix)) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                out.addAll(leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey()));
            }
        } else {
            out.add(prefix);
        }
        return out;
    }

    /** Maps whose keys are the user's (resources, labels...): set as a whole, not key by key. */
    private static boolean isFreeForm(String path) {
        return List.of("resources", "builderNetworkPolicy.dns.podLabels").contains(path);
    }
}
