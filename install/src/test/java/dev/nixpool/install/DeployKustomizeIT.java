package dev.nixpool.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** Renders deploy/ with the real {@code kubectl kustomize}, as {@code kubectl apply -k deploy/} would. */
class DeployKustomizeIT {

    @Test
    void baseRendersTheOperatorInstall() throws Exception {
        List<JsonNode> docs = kustomize("deploy");
        assertThat(docs).extracting(d -> d.path("kind").asText() + "/" + d.at("/metadata/name").asText())
                .containsExactlyInAnyOrder("Namespace/nixpool-system",
                        "CustomResourceDefinition/buildmachines.nixpool.dev",
                        "CustomResourceDefinition/nixbuilds.nixpool.dev", "ServiceAccount/nixpool-operator",
                        "ClusterRole/nixpool-operator", "ClusterRoleBinding/nixpool-operator",
                        "Role/nixpool-operator-leader-election", "RoleBinding/nixpool-operator-leader-election",
                        "Deployment/nixpool-operator", "Service/nixpool-operator");
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
        Path crds = Manifests.repoRoot().resolve("crds");
        for (String file : List.of("buildmachines.nixpool.dev-v1.yml", "nixbuilds.nixpool.dev-v1.yml")) {
            JsonNode committed = Manifests.read(crds.resolve(file));
            JsonNode rendered = find(docs, "CustomResourceDefinition", committed.at("/metadata/name").asText());
            // kustomize re-serializes 1000.0 as 1000: compare numbers by value, everything else exactly
            assertThat(committed.get("spec").equals(Manifests.NUMBERS_BY_VALUE, rendered.get("spec")))
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
        List<String> rules = Manifests.rules(find(docs, "ClusterRole", "nixpool-operator"));
        assertThat(rules).containsExactlyInAnyOrder(
                "nixpool.dev/nixbuilds:get,list,watch,create,patch,update,delete",
                "nixpool.dev/buildmachines:get,list,watch,patch,update",
                "nixpool.dev/nixbuilds/status:patch,update",
                "nixpool.dev/buildmachines/status:patch,update",
                "nixpool.dev/nixbuilds/finalizers:update",
                "nixpool.dev/buildmachines/finalizers:update",
                "/pods:get,list,watch,create,patch,delete",
                "/secrets:get,list,create,delete",
                "/configmaps:get,list,watch",
                "/persistentvolumeclaims:get,list,create,delete",
                "/events:create",
                "apiextensions.k8s.io/customresourcedefinitions:get",
                "authentication.k8s.io/tokenreviews:create",
                "authorization.k8s.io/subjectaccessreviews:create");
        JsonNode binding = find(docs, "ClusterRoleBinding", "nixpool-operator");
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("nixpool-system");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("nixpool-operator");
        // leader election: the Lease in the operator's own namespace, nothing else there (JOSDK checks get, create and
        // update before it elects; Fabric8 renews with a patch)
        assertThat(Manifests.rules(find(docs, "Role", "nixpool-operator-leader-election")))
                .as("the Lease, in the operator's namespace only")
                .containsExactly("coordination.k8s.io/leases:get,create,update,patch");
        JsonNode leaseBinding = find(docs, "RoleBinding", "nixpool-operator-leader-election");
        assertThat(leaseBinding.at("/subjects/0/name").asText()).isEqualTo("nixpool-operator");
        assertThat(leaseBinding.at("/metadata/namespace").asText()).isEqualTo("nixpool-system");
    }

    @Test
    void builderNamespacePolicyAdmitsOnlyTheOperatorOnSshAndLimitsEgress() throws Exception {
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
        assertThat(policy.at("/spec/policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
        JsonNode egress = policy.at("/spec/egress");
        assertThat(egress).as("DNS, then the public internet over IPv4 and IPv6").hasSize(3);
        assertThat(egress.at("/0/to/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                .isEqualTo("kube-system");
        assertThat(egress.at("/0/to/0/podSelector/matchLabels/k8s-app").asText()).isEqualTo("kube-dns");
        assertThat(egress.at("/0/ports").toString()).contains("UDP").contains("TCP").contains("53");
        assertThat(egress.at("/1/to/0/ipBlock/cidr").asText()).isEqualTo("0.0.0.0/0");
        assertThat(egress.at("/1/to/0/ipBlock/except").toString()).as("no cluster-internal or metadata address")
                .contains("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16");
        assertThat(egress.at("/1/ports").findValuesAsText("port")).containsExactly("443", "80");
        assertThat(egress.at("/2/to/0/ipBlock/cidr").asText()).isEqualTo("::/0");
        assertThat(egress.at("/2/to/0/ipBlock/except").toString()).contains("fc00::/7", "fe80::/10");
        // the selected labels are the ones the operator's Deployment gives its pods
        JsonNode operatorPod = find(kustomize("deploy"), "Deployment", "nixpool-operator").at("/spec/template");
        assertThat(operatorPod.at("/metadata/labels/app.kubernetes.io~1name").asText()).isEqualTo("nixpool-operator");
    }

    private static List<JsonNode> kustomize(String dir) throws IOException, InterruptedException {
        return Kustomize.render(dir);
    }

    private static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return Manifests.find(docs, kind, name);
    }
}
