package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/** The embedded API server as the Fabric8 client (operator, builder runtime) and plain HTTP see it. */
class EmbeddedApiServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = EmbeddedApiServer.DEFAULT_NAMESPACE;

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Resource<GenericKubernetesResource> build(String name) {
        return API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS).withName(name);
    }

    private static Resource<GenericKubernetesResource> machine(String name) {
        return API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).inNamespace(NS).withName(name);
    }

    private static GenericKubernetesResource newMachine(String name, int maxJobs) {
        GenericKubernetesResource m = new GenericKubernetesResourceBuilder().withApiVersion("nixpool.dev/v1alpha1")
                .withKind("BuildMachine").withNewMetadata().withName(name).withNamespace(NS).endMetadata().build();
        m.setAdditionalProperty("spec",
                new java.util.LinkedHashMap<>(Map.of("systems", List.of("x86_64-linux"), "maxJobs", maxJobs)));
        return m;
    }

    private static GenericKubernetesResource newBuild(String name, Map<String, Object> spec) {
        GenericKubernetesResource b = new GenericKubernetesResourceBuilder().withApiVersion("nixpool.dev/v1alpha1")
                .withKind("NixBuild").withNewMetadata().withName(name).withNamespace(NS).endMetadata().build();
        // the server validates as a real one: a build names exactly one thing to build
        Map<String, Object> valid = new java.util.LinkedHashMap<>(Map.of("expression", "import ./build.nix"));
        valid.putAll(spec);
        b.setAdditionalProperty("spec", valid);
        b.setAdditionalProperty("status", Map.of("phase", "Succeeded"));
        return b;
    }

    @Test
    void statusIsASubresourceAndGenerationFollowsTheSpec() {
        GenericKubernetesResource created = API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS)
                .inNamespace(NS)
                .resource(newBuild("generation", Map.of("system", "x86_64-linux"))).create();
        assertThat(created.getAdditionalProperties()).doesNotContainKey("status");
        assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);

        GenericKubernetesResource withStatus = build("generation").get();
        withStatus.setAdditionalProperty("status", Map.of("phase", "Building"));
        withStatus.setAdditionalProperty("spec", Map.of("system", "changed-by-a-status-write"));
        API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS).resource(withStatus)
                .updateStatus();
        GenericKubernetesResource afterStatus = build("generation").get();
        assertThat((Map<String, Object>) afterStatus.get("status")).containsEntry("phase", "Building");
        assertThat((Map<String, Object>) afterStatus.get("spec")).containsEntry("system", "x86_64-linux");
        assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(1L);

        // a NixBuild's spec is immutable (a CEL transition rule): the edit is refused and nothing changes
        afterStatus.setAdditionalProperty("spec",
                Map.of("expression", "import ./build.nix", "system", "aarch64-linux"));
        assertThatThrownBy(() -> API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS)
                .resource(afterStatus).update()).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec is immutable");
        assertThat(build("generation").get().getMetadata().getGeneration()).isEqualTo(1L);

        // a mutable spec: a write of it bumps the generation and leaves the status alone
        API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).inNamespace(NS)
                .resource(newMachine("generation", 1)).create();
        GenericKubernetesResource pool = machine("generation").get();
        pool.setAdditionalProperty("status", Map.of("builders", 7));
        pool.setAdditionalProperty("spec", Map.of("systems", List.of("x86_64-linux"), "maxJobs", 2));
        API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).inNamespace(NS).resource(pool).update();
        GenericKubernetesResource afterSpec = machine("generation").get();
        assertThat((Map<String, Object>) afterSpec.get("spec")).containsEntry("maxJobs", 2);
        assertThat(afterSpec.getAdditionalProperties()).doesNotContainKey("status");
        assertThat(afterSpec.getMetadata().getGeneration()).isEqualTo(2L);
    }

    /**
     * A status PUT from a stale read is refused as the API server refuses it; the Fabric8 mock stored it on top of the
     * newer object (here: one just marked for deletion), and the operator then never saw the mark.
     */
    @Test
    void aStatusWriteFromAStaleReadIsAConflict() {
        GenericKubernetesResource created = API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS)
                .inNamespace(NS)
                .resource(newBuild("stale-status", Map.of("system", "x86_64-linux"))).create();
        build("stale-status").edit(b -> {
            b.getMetadata().setFinalizers(List.of("nixpool.dev/test"));
            return b;
        });
        build("stale-status").delete();
        assertThat(build("stale-status").get().getMetadata().getDeletionTimestamp()).isNotNull();

        created.setAdditionalProperty("status", Map.of("phase", "Building"));
        assertThatThrownBy(() -> API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS)
                .resource(created).updateStatus()).isInstanceOfSatisfying(KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(409));
        GenericKubernetesResource current = build("stale-status").get();
        assertThat(current.getAdditionalProperties()).doesNotContainKey("status");

        current.setAdditionalProperty("status", Map.of("phase", "Building"));
        GenericKubernetesResource written = API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS)
                .inNamespace(NS)
                .resource(current).updateStatus();
        assertThat((Map<String, Object>) written.get("status")).containsEntry("phase", "Building");
        build("stale-status").edit(b -> {
            b.getMetadata().setFinalizers(List.of());
            return b;
        });
    }

    @Test
    void mergePatchesReplaceArraysAndServerSideApplyMergesToo() {
        GenericKubernetesResource created = newMachine("patched", 1);
        ((Map<String, Object>) created.get("spec")).put("supportedFeatures", List.of("kvm", "big-parallel"));
        API.client().genericKubernetesResources(KubectlFixture.BUILDMACHINES).inNamespace(NS).resource(created)
                .create();
        machine("patched").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"supportedFeatures\":[\"nixos-test\"],\"maxJobs\":3}}");
        assertThat((Map<String, Object>) machine("patched").get().get("spec"))
                .containsEntry("supportedFeatures", List.of("nixos-test")).containsEntry("maxJobs", 3);

        API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS)
                .resource(newBuild("patched", Map.of("system", "x86_64-linux"))).create();
        build("patched").subresource("status").patch(PatchContext.of(PatchType.SERVER_SIDE_APPLY),
                "{\"apiVersion\":\"nixpool.dev/v1alpha1\",\"kind\":\"NixBuild\",\"metadata\":{\"name\":\"patched\"},"
                        + "\"status\":{\"phase\":\"Scheduled\",\"machine\":\"default\"}}");
        GenericKubernetesResource applied = build("patched").get();
        assertThat((Map<String, Object>) applied.get("status")).containsEntry("phase", "Scheduled")
                .containsEntry("machine", "default");
        assertThat(applied.getMetadata().getGeneration()).isEqualTo(1L);
    }

    @Test
    void podStatusEditsOfTheBuilderRuntimeKeepWorking() {
        API.client().pods().inNamespace(NS)
                .resource(new PodBuilder().withNewMetadata().withName("builder").endMetadata()
                        .withNewSpec().addNewContainer().withName("b").withImage("builder").endContainer().endSpec()
                        .build())
                .create();
        API.client().pods().inNamespace(NS).withName("builder").editStatus(p -> new PodBuilder(p).withNewStatus()
                .withPhase("Running").withPodIP("127.0.0.2").endStatus().build());
        Pod pod = API.client().pods().inNamespace(NS).withName("builder").get();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(pod.getStatus().getPodIP()).isEqualTo("127.0.0.2");
        assertThat(pod.getSpec().getContainers()).hasSize(1);
    }

    /**
     * Removing the last finalizer of an object marked for deletion deletes it, and the write is answered with the
     * object as written, as the API server does (JOSDK and our own clean-up read the answer).
     */
    @Test
    void removingTheLastFinalizerOfADeletedObjectAnswersWithTheObject() {
        API.client().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("finalized")
                .withFinalizers("nixpool.dev/test").endMetadata().withNewSpec().addNewContainer().withName("b")
                .withImage("builder").endContainer().endSpec().build()).create();
        API.client().pods().inNamespace(NS).withName("finalized").delete();

        Pod answer = API.client().pods().inNamespace(NS).withName("finalized")
                .edit(p -> new PodBuilder(p).editMetadata().withFinalizers().endMetadata().build());

        assertThat(answer).isNotNull();
        assertThat(answer.getMetadata().getName()).isEqualTo("finalized");
        assertThat(answer.getMetadata().getFinalizers()).isEmpty();
        assertThat(answer.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(API.client().pods().inNamespace(NS).withName("finalized").get()).isNull();
    }

    @Test
    void eventsAreFilteredByInvolvedObjectFieldSelectors() {
        for (String object : List.of("a", "b")) {
            API.client().v1().events().inNamespace(NS).resource(new EventBuilder().withNewMetadata()
                    .withName("event-for-" + object).endMetadata().withNewInvolvedObject().withKind("NixBuild")
                    .withName(object).withNamespace(NS).endInvolvedObject().withReason("R").build()).create();
        }
        assertThat(API.client().v1().events().inNamespace(NS).withField("involvedObject.name", "b")
                .withField("involvedObject.kind", "NixBuild").list().getItems())
                .extracting(e -> e.getMetadata().getName()).containsExactly("event-for-b");
    }

    @Test
    void webSocketWatchesOfTheClientSeeChanges() {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Watch watch = API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS)
                .withName("watched").watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource resource) {
                        seen.add(action + " " + resource.getMetadata().getName());
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        seen.add("closed");
                    }
                })) {
            API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS)
                    .resource(newBuild("watched", Map.of("system", "x86_64-linux"))).create();
            build("watched").delete();
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(seen).containsSubsequence("ADDED watched", "DELETED watched"));
        }
    }

    @Test
    void plainHttpWatchesStreamOneEventPerLine() throws Exception {
        for (String name : List.of("streamed", "not-selected")) {
            API.client().genericKubernetesResources(KubectlFixture.NIXBUILDS).inNamespace(NS)
                    .resource(newBuild(name, Map.of("system", "x86_64-linux"))).create();
        }
        HttpResponse<java.util.stream.Stream<String>> response = HTTP.send(HttpRequest.newBuilder(URI.create(
                API.server().url()
                        + "/apis/nixpool.dev/v1alpha1/namespaces/default/nixbuilds?watch=true&resourceVersion=0"
                        + "&fieldSelector=metadata.name%3Dstreamed&timeoutSeconds=20"))
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        java.util.Iterator<String> lines = response.body().iterator();
        try {
            JsonNode added = JSON.readTree(lines.next());
            assertThat(added.path("type").asText()).isEqualTo("ADDED");
            assertThat(added.path("object").path("metadata").path("name").asText()).isEqualTo("streamed");

            build("not-selected").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"labels\":{\"seen\":\"no\"}}}");
            build("streamed").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"labels\":{\"seen\":\"yes\"}}}");
            JsonNode modified = JSON.readTree(lines.next());
            assertThat(modified.path("type").asText()).isEqualTo("MODIFIED");
            assertThat(modified.path("object").path("metadata").path("labels").path("seen").asText()).isEqualTo("yes");

            build("streamed").delete();
            JsonNode deleted = JSON.readTree(lines.next());
            assertThat(deleted.path("type").asText()).isEqualTo("DELETED");
            assertThat(deleted.path("object").path("metadata").path("name").asText()).isEqualTo("streamed");
        } finally {
            response.body().close();
        }
    }

    @Test
    void discoveryIsServedAsLegacyDocumentsWithAndWithoutTimeout() throws Exception {
        for (String path : List.of("/apis", "/apis?timeout=32s")) {
            HttpResponse<String> r = get(path,
                    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode groups = JSON.readTree(r.body());
            assertThat(groups.path("kind").asText()).isEqualTo("APIGroupList");
            assertThat(groups.path("groups").findValuesAsText("name")).contains("nixpool.dev", "apiextensions.k8s.io");
        }
        JsonNode core = JSON.readTree(get("/api/v1?timeout=32s", "application/json").body());
        assertThat(core.path("resources").findValuesAsText("name")).contains("pods", "pods/status", "events");
        JsonNode nixpool = JSON.readTree(get("/apis/nixpool.dev/v1alpha1", "application/json").body());
        JsonNode nixbuilds = null;
        for (JsonNode r : nixpool.path("resources")) {
            if (r.path("name").asText().equals("nixbuilds")) {
                nixbuilds = r;
            }
        }
        assertThat(nixbuilds).isNotNull();
        assertThat(nixbuilds.path("shortNames").get(0).asText()).isEqualTo("nb");
        assertThat(nixbuilds.path("categories").get(0).asText()).isEqualTo("nixpool");
        assertThat(nixbuilds.path("namespaced").asBoolean()).isTrue();

        assertThat(get("/openapi/v3", "application/json").statusCode()).isEqualTo(404);
        HttpResponse<String> v2 = get("/openapi/v2?timeout=32s",
                "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        assertThat(v2.statusCode()).isEqualTo(200);
        assertThat(v2.body()).isEmpty();
        assertThat(JSON.readTree(get("/version", "application/json").body()).path("major").asText()).isEqualTo("1");
    }

    @Test
    void failuresAreStatusObjects() throws Exception {
        HttpResponse<String> missing = get("/apis/nixpool.dev/v1alpha1/namespaces/default/nixbuilds/nope",
                "application/json");
        assertThat(missing.statusCode()).isEqualTo(404);
        JsonNode status = JSON.readTree(missing.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("reason").asText()).isEqualTo("NotFound");
        assertThat(status.path("message").asText()).isEqualTo("nixbuilds.nixpool.dev \"nope\" not found");

        HttpResponse<String> badSelector = get(
                "/apis/nixpool.dev/v1alpha1/namespaces/default/nixbuilds?fieldSelector=metadata.name",
                "application/json");
        assertThat(badSelector.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badSelector.body()).path("message").asText())
                .contains("invalid field selector requirement 'metadata.name'");

        HttpResponse<String> badWatch = get(
                "/apis/nixpool.dev/v1alpha1/namespaces/default/nixbuilds?watch=1&timeoutSeconds=soon",
                "application/json");
        assertThat(badWatch.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badWatch.body()).path("message").asText())
                .isEqualTo("timeoutSeconds must be a whole number, got 'soon'");
    }

    @Test
    void kubeconfigPointsAtTheServer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        API.server().writeKubeconfig(kubeconfig);
        assertThat(java.nio.file.Files.readString(kubeconfig)).contains("server: " + API.server().url())
                .contains("current-context: nixpool-local").contains("namespace: default");
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(API.server().url() + path)).header("Accept", accept).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
