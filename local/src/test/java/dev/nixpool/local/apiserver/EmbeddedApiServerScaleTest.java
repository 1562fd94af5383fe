package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The scale subresource of custom resources, as the apiextensions-apiserver serves it: pools (see
 * {@link ScaleTestCrds}) have one, gadgets and the built-in types do not.
 */
class EmbeddedApiServerScaleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = EmbeddedApiServer.DEFAULT_NAMESPACE;
    private static final String POOLS = "/apis/scaling.nixpool.dev/v1/namespaces/default/pools/";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final EmbeddedApiServerExtension API = new EmbeddedApiServerExtension();

    @BeforeAll
    static void start() {
        ScaleTestCrds.create(API.client());
    }

    private static Resource<GenericKubernetesResource> pool(String name) {
        return API.client().genericKubernetesResources(ScaleTestCrds.POOLS).inNamespace(NS).withName(name);
    }

    /** A pool with the given spec, and status written through the status subresource as the operator does. */
    private static GenericKubernetesResource createPool(String name, Map<String, Object> spec,
            Map<String, Object> status) {
        GenericKubernetesResource p = new GenericKubernetesResourceBuilder().withApiVersion("scaling.nixpool.dev/v1")
                .withKind("Pool").withNewMetadata().withName(name).withNamespace(NS).endMetadata().build();
        p.setAdditionalProperty("spec", spec);
        API.client().genericKubernetesResources(ScaleTestCrds.POOLS).inNamespace(NS).resource(p).create();
        if (!status.isEmpty()) {
            pool(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                    JSON.valueToTree(Map.of("status", status)).toString());
        }
        return pool(name).get();
    }

    @Test
    void discoveryListsTheScaleSubresourceOnlyForTypesThatDeclareIt() throws Exception {
        JsonNode resources = JSON.readTree(send("GET", "/apis/scaling.nixpool.dev/v1", null, null).body())
                .path("resources");
        assertThat(resources.findValuesAsText("name")).containsExactlyInAnyOrder("pools", "pools/status",
                "pools/scale", "gadgets", "gadgets/status");
        JsonNode scale = null;
        for (JsonNode r : resources) {
            if (r.path("name").asText().equals("pools/scale")) {
                scale = r;
            }
        }
        assertThat(scale).isNotNull();
        assertThat(scale.path("group").asText()).isEqualTo("autoscaling");
        assertThat(scale.path("version").asText()).isEqualTo("v1");
        assertThat(scale.path("kind").asText()).isEqualTo("Scale");
        assertThat(scale.path("namespaced").asBoolean()).isTrue();
        assertThat(scale.path("verbs").toString()).isEqualTo("[\"get\",\"patch\",\"update\"]");
    }

    @Test
    void getBuildsAScaleFromTheDeclaredPaths() throws Exception {
        GenericKubernetesResource p = createPool("read", Map.of("minIdle", 2, "maxBuilders", 5),
                Map.of("idleBuilders", 1, "selector", "nixpool.dev/pool=read"));
        HttpResponse<String> r = send("GET", POOLS + "read/scale", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree("""
                {"kind":"Scale","apiVersion":"autoscaling/v1",
                 "metadata":{"name":"read","namespace":"default","uid":"%s","resourceVersion":"%s",
                             "creationTimestamp":"%s"},
                 "spec":{"replicas":2},
                 "status":{"replicas":1,"selector":"nixpool.dev/pool=read"}}""".formatted(p.getMetadata().getUid(),
                p.getMetadata().getResourceVersion(), p.getMetadata().getCreationTimestamp())));

        // the Fabric8 client's view of the same subresource (what an operator written with it would read)
        assertThat(pool("read").scale().getSpec().getReplicas()).isEqualTo(2);
        assertThat(pool("read").scale().getStatus().getSelector()).isEqualTo("nixpool.dev/pool=read");
    }

    @Test
    void zeroAndUnsetFieldsReadAsTheApiServerReadsThem() throws Exception {
        createPool("zero", Map.of("minIdle", 0), Map.of());
        // Go's omitempty: no spec.replicas for 0, status.replicas always, no selector when empty
        assertThat(JSON.readTree(send("GET", POOLS + "zero/scale", null, null).body()).path("spec").toString())
                .isEqualTo("{}");
        assertThat(JSON.readTree(send("GET", POOLS + "zero/scale", null, null).body()).path("status").toString())
                .isEqualTo("{\"replicas\":0}");

        createPool("unset", Map.of("maxBuilders", 3), Map.of());
        HttpResponse<String> unset = send("GET", POOLS + "unset/scale", null, null);
        assertThat(unset.statusCode()).isEqualTo(500);
        assertThat(status(unset).path("message").asText())
                .isEqualTo("Internal error occurred: the spec replicas field \".spec.minIdle\" does not exist");
        // a patch that sets the field is fine; one that leaves it unset is refused
        assertThat(send("PATCH", POOLS + "unset/scale", "application/merge-patch+json", "{\"spec\":{}}")
                .statusCode()).isEqualTo(400);
        HttpResponse<String> set = send("PATCH", POOLS + "unset/scale", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":4}}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(pool("unset").get().<Object>get("spec")).isEqualTo(Map.of("maxBuilders", 3, "minIdle", 4));
    }

    @Test
    void putSetsOnlyTheSpecReplicasAndBumpsTheGeneration() throws Exception {
        GenericKubernetesResource before = createPool("put", Map.of("minIdle", 1, "maxBuilders", 5),
                Map.of("idleBuilders", 1));
        JsonNode scale = JSON.readTree(send("GET", POOLS + "put/scale", null, null).body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) scale.path("spec")).put("replicas", 3);
        // status and labels in a Scale body are not the object's to take
        ((com.fasterxml.jackson.databind.node.ObjectNode) scale.path("status")).put("replicas", 9);
        ((com.fasterxml.jackson.databind.node.ObjectNode) scale.path("metadata")).putObject("labels").put("a", "b");

        HttpResponse<String> r = send("PUT", POOLS + "put/scale", "application/json", scale.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answered = JSON.readTree(r.body());
        assertThat(answered.path("kind").asText()).isEqualTo("Scale");
        assertThat(answered.path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThat(answered.path("status").path("replicas").asInt()).isEqualTo(1);

        GenericKubernetesResource after = pool("put").get();
        assertThat(after.<Object>get("spec")).isEqualTo(Map.of("minIdle", 3, "maxBuilders", 5));
        assertThat(after.<Object>get("status")).isEqualTo(Map.of("idleBuilders", 1));
        assertThat(after.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration() + 1);
        assertThat(answered.path("metadata").path("resourceVersion").asText())
                .isEqualTo(after.getMetadata().getResourceVersion())
                .isNotEqualTo(before.getMetadata().getResourceVersion());

        // the same Scale again carries a resourceVersion that is stale now
        HttpResponse<String> stale = send("PUT", POOLS + "put/scale", "application/json", scale.toString());
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(status(stale).path("reason").asText()).isEqualTo("Conflict");
        assertThat(status(stale).path("message").asText()).isEqualTo("Operation cannot be fulfilled on"
                + " pools.scaling.nixpool.dev \"put\": the object has been modified; please apply your changes to the"
                + " latest version and try again");

        // without a resourceVersion there is no precondition
        ((com.fasterxml.jackson.databind.node.ObjectNode) scale.path("metadata")).remove("resourceVersion");
        ((com.fasterxml.jackson.databind.node.ObjectNode) scale.path("spec")).put("replicas", 0);
        assertThat(send("PUT", POOLS + "put/scale", "application/json", scale.toString()).statusCode())
                .isEqualTo(200);
        assertThat(pool("put").get().<Object>get("spec")).isEqualTo(Map.of("minIdle", 0, "maxBuilders", 5));
        assertThat(pool("put").get().getMetadata().getGeneration())
                .isEqualTo(before.getMetadata().getGeneration() + 2);

        // the Fabric8 client's scale(n)
        pool("put").scale(2);
        assertThat(pool("put").get().<Object>get("spec")).isEqualTo(Map.of("minIdle", 2, "maxBuilders", 5));
    }

    @Test
    void invalidReplicasAreRefusedAsTheApiServerRefusesThem() throws Exception {
        createPool("invalid", Map.of("minIdle", 1), Map.of());
        String rv = pool("invalid").get().getMetadata().getResourceVersion();

        HttpResponse<String> negative = send("PUT", POOLS + "invalid/scale", "application/json",
                scaleBody("invalid", "-1"));
        assertThat(negative.statusCode()).isEqualTo(422);
        JsonNode invalid = status(negative);
        assertThat(invalid.path("reason").asText()).isEqualTo("Invalid");
        assertThat(invalid.path("message").asText()).isEqualTo(
                "Pool.scaling.nixpool.dev \"invalid\" is invalid: .spec.minIdle: Invalid value: -1: should be a"
                        + " non-negative integer");
        assertThat(invalid.path("details").path("kind").asText()).isEqualTo("Pool");
        assertThat(invalid.path("details").path("causes").get(0).path("field").asText()).isEqualTo(".spec.minIdle");

        // a PUT body that does not decode as a Scale is a bad request; a patch whose result does not is invalid
        HttpResponse<String> text = send("PUT", POOLS + "invalid/scale", "application/json",
                scaleBody("invalid", "\"three\""));
        assertThat(text.statusCode()).isEqualTo(400);
        assertThat(status(text).path("message").asText()).isEqualTo("Scale in version \"v1\" cannot be handled as a"
                + " Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32");
        for (String replicas : List.of("1.5", "\"3\"", "4294967296")) {
            HttpResponse<String> patched = send("PATCH", POOLS + "invalid/scale", "application/merge-patch+json",
                    "{\"spec\":{\"replicas\":" + replicas + "}}");
            assertThat(patched.statusCode()).as(replicas).isEqualTo(422);
            assertThat(status(patched).path("message").asText()).contains("spec.replicas of type int32");
        }
        assertThat(send("PATCH", POOLS + "invalid/scale", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":-2}}").statusCode()).isEqualTo(422);
        assertThat(send("PUT", POOLS + "invalid/scale", "application/json",
                scaleBody("other", "2")).statusCode()).isEqualTo(400);

        assertThat(pool("invalid").get().getMetadata().getResourceVersion()).isEqualTo(rv);
        assertThat(pool("invalid").get().<Object>get("spec")).isEqualTo(Map.of("minIdle", 1));
    }

    @Test
    void patchesApplyToTheScale() throws Exception {
        createPool("patched", Map.of("minIdle", 1), Map.of("idleBuilders", 1));
        HttpResponse<String> merge = send("PATCH", POOLS + "patched/scale", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":3}}");
        assertThat(merge.statusCode()).as(merge.body()).isEqualTo(200);
        assertThat(JSON.readTree(merge.body()).path("spec").path("replicas").asInt()).isEqualTo(3);

        // JSON patch with a test operation: a precondition on the current replicas
        HttpResponse<String> json = send("PATCH", POOLS + "patched/scale", "application/json-patch+json",
                "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":3},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":5}]");
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
        assertThat(pool("patched").get().<Object>get("spec")).isEqualTo(Map.of("minIdle", 5));
        HttpResponse<String> failedTest = send("PATCH", POOLS + "patched/scale", "application/json-patch+json",
                "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":3},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":7}]");
        assertThat(failedTest.statusCode()).isEqualTo(422);

        HttpResponse<String> strategic = send("PATCH", POOLS + "patched/scale",
                "application/strategic-merge-patch+json", "{\"spec\":{\"replicas\":6}}");
        assertThat(strategic.statusCode()).as(strategic.body()).isEqualTo(200);

        HttpResponse<String> stale = send("PATCH", POOLS + "patched/scale", "application/merge-patch+json",
                "{\"metadata\":{\"resourceVersion\":\"1\"},\"spec\":{\"replicas\":8}}");
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(pool("patched").get().<Object>get("spec")).isEqualTo(Map.of("minIdle", 6));
        assertThat(pool("patched").get().<Object>get("status")).isEqualTo(Map.of("idleBuilders", 1));
    }

    @Test
    void watchersOfTheObjectSeeTheChange() throws Exception {
        createPool("watched", Map.of("minIdle", 1), Map.of());
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch watch = pool("watched").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, GenericKubernetesResource resource) {
                events.add(action + " " + ((Map<?, ?>) resource.<Object>get("spec")).get("minIdle"));
            }

            @Override
            public void onClose(WatcherException cause) {
                events.add("closed");
            }
        })) {
            assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("ADDED 1");
            assertThat(send("PATCH", POOLS + "watched/scale", "application/merge-patch+json",
                    "{\"spec\":{\"replicas\":4}}").statusCode()).isEqualTo(200);
            assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("MODIFIED 4");
        }
    }

    @Test
    void typesWithoutAScaleSubresourceAndMissingObjectsAnswer404() throws Exception {
        GenericKubernetesResource g = new GenericKubernetesResourceBuilder().withApiVersion("scaling.nixpool.dev/v1")
                .withKind("Gadget").withNewMetadata().withName("g").withNamespace(NS).endMetadata().build();
        g.setAdditionalProperty("spec", Map.of("minIdle", 1));
        API.client().genericKubernetesResources(ScaleTestCrds.GADGETS).inNamespace(NS).resource(g).create();
        for (String path : List.of("/apis/scaling.nixpool.dev/v1/namespaces/default/gadgets/g/scale",
                "/apis/nixpool.dev/v1alpha1/namespaces/default/nixbuilds/b/scale",
                "/api/v1/namespaces/default/pods/p/scale")) {
            for (String method : List.of("GET", "PUT", "PATCH")) {
                HttpResponse<String> r = send(method, path, "application/merge-patch+json", "{}");
                assertThat(r.statusCode()).as(method + " " + path).isEqualTo(404);
                assertThat(status(r).path("message").asText())
                        .isEqualTo("the server could not find the requested resource");
            }
        }
        HttpResponse<String> missing = send("GET", POOLS + "nope/scale", null, null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(status(missing).path("message").asText()).isEqualTo("pools.scaling.nixpool.dev \"nope\" not found");
        assertThat(API.client().genericKubernetesResources(ScaleTestCrds.GADGETS).inNamespace(NS).withName("g").get()
                .<Object>get("spec")).isEqualTo(Map.of("minIdle", 1));
    }

    @Test
    void writesOfTheWholeObjectHaveTheirScaleFieldsChecked() {
        GenericKubernetesResource p = new GenericKubernetesResourceBuilder().withApiVersion("scaling.nixpool.dev/v1")
                .withKind("Pool").withNewMetadata().withName("checked").withNamespace(NS).endMetadata().build();
        p.setAdditionalProperty("spec", Map.of("minIdle", -1));
        assertThatThrownBy(
                () -> API.client().genericKubernetesResources(ScaleTestCrds.POOLS).inNamespace(NS).resource(p)
                        .create())
                .isInstanceOfSatisfying(KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(422));

        createPool("checked", Map.of("minIdle", 1), Map.of());
        assertThatThrownBy(() -> pool("checked").subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"status\":{\"idleBuilders\":\"one\"}}")).isInstanceOfSatisfying(KubernetesClientException.class,
                        e -> assertThat(e.getStatus().getMessage()).isEqualTo("Pool.scaling.nixpool.dev \"checked\" is"
                                + " invalid: .status.idleBuilders: Invalid value: 0: .status.idleBuilders accessor"
                                + " error: one is of the type string, expected int64"));
        assertThatThrownBy(() -> pool("checked").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"minIdle\":-3}}")).isInstanceOfSatisfying(KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(422));
        assertThat(pool("checked").get().<Object>get("spec")).isEqualTo(Map.of("minIdle", 1));
    }

    private static String scaleBody(String name, String replicas) {
        return "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"default\"},\"spec\":{\"replicas\":" + replicas + "}}";
    }

    private static JsonNode status(HttpResponse<String> response) throws Exception {
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("code").asInt()).isEqualTo(response.statusCode());
        return status;
    }

    private static HttpResponse<String> send(String method, String path, String contentType, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(API.server().url() + path)).header("Accept",
                "application/json");
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
