package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;

import dev.nixpool.MockApiServer;
import dev.nixpool.Names;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * The operator's finalizer writes hold only for the version of the build they were made from: a JSON patch whose
 * result names a resourceVersion is applied by the API server to that version only (409 Conflict otherwise), so one
 * made from an older copy cannot land on what changed since (take another controller's finalizer at the index ours
 * had, or replace a finalizer list another writer just created). Fabric8's {@code edit} puts the version of the copy
 * it diffs from into the patch; these tests pin that for both writes (the mock server does not check it).
 */
class FinalizerWritesTest {

    private static final String OTHER = "example.com/other-controller";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    /** The bodies of the PATCH requests the client sent. */
    private final List<String> patches = new CopyOnWriteArrayList<>();
    private final KubernetesClient client = new KubernetesClientBuilder().withConfig(api.client().getConfiguration())
            .withHttpClientBuilderConsumer(http -> http.addOrReplaceInterceptor("patches", new Interceptor() {
                @Override
                public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                    if (request.method().equals("PATCH")) {
                        patches.add(request.bodyString());
                    }
                }
            })).build();

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void removingTheFinalizerNamesTheVersionReadAndLeavesOtherFinalizers() throws Exception {
        NixBuild stored = create(List.of(OTHER, Names.FINALIZER));
        BuildDeletions deletions = new BuildDeletions(client, build -> {
        });
        try {
            NixBuild marked = client.resource(stored).get();
            marked.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");
            deletions.markedForDeletion(marked);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !client.resource(stored).get().hasFinalizer(Names.FINALIZER));
        } finally {
            deletions.stop();
        }
        assertThat(client.resource(stored).get().getMetadata().getFinalizers()).containsExactly(OTHER);
        assertThat(patches()).singleElement().satisfies(patch -> assertThat(patch).containsExactlyInAnyOrder(
                version(stored), op("remove", "/metadata/finalizers/1", null)));
    }

    /**
     * {@link Finalizer#add} hands JOSDK's {@code jsonPatchPrimary} the build as the status write left it; JOSDK runs
     * the change as {@code client.resource(current).edit(...)}, which this does too (a Context of JOSDK's own would
     * need a running controller).
     */
    @Test
    void addingTheFinalizerNamesTheVersionItWasMadeFrom() throws Exception {
        NixBuild withOther = create(List.of(OTHER));
        client.resource(withOther).edit(build -> {
            build.addFinalizer(Names.FINALIZER);
            return build;
        });
        NixBuild without = client.resource(TestResources.build("ns", "c", "x86_64-linux", List.of())).create();
        client.resource(without).edit(build -> {
            build.addFinalizer(Names.FINALIZER);
            return build;
        });
        assertThat(patches()).satisfiesExactly(
                patch -> assertThat(patch).containsExactlyInAnyOrder(version(withOther),
                        op("add", "/metadata/finalizers/1", JSON.valueToTree(Names.FINALIZER))),
                patch -> assertThat(patch).containsExactlyInAnyOrder(version(without),
                        op("add", "/metadata/finalizers", JSON.valueToTree(List.of(Names.FINALIZER)))));
    }

    private static JsonNode version(NixBuild read) {
        return op("add", "/metadata/resourceVersion", JSON.valueToTree(read.getMetadata().getResourceVersion()));
    }

    private static JsonNode op(String op, String path, JsonNode value) {
        ObjectNode node = JSON.createObjectNode().put("op", op).put("path", path);
        if (value != null) {
            node.set("value", value);
        }
        return node;
    }

    private NixBuild create(List<String> finalizers) {
        NixBuild build = TestResources.build("ns", "b", "x86_64-linux", List.of());
        build.getMetadata().setFinalizers(new ArrayList<>(finalizers));
        return client.resource(build).create();
    }

    private List<List<JsonNode>> patches() throws Exception {
        List<List<JsonNode>> bodies = new ArrayList<>();
        for (String body : patches) {
            List<JsonNode> ops = new ArrayList<>();
            JSON.readTree(body).forEach(ops::add);
            bodies.add(ops);
        }
        return bodies;
    }
}
