package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The Fabric8 client's WebSocket watches (the operator's informers, the builder runtime, the benchmarks) are served by
 * the embedded API server's own watches, not the mock's: each watcher sees exactly the events its selectors pick, in
 * store order, and a watch from a resourceVersion sees only what changed after it.
 */
class WebSocketWatchesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private EmbeddedApiServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = EmbeddedApiServer.start(KubectlFixture.repoRoot().resolve("crds"), 0);
        client = server.client();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> builds() {
        return client.genericKubernetesResources(KubectlFixture.NIXBUILDS);
    }

    private void create(String name, Map<String, String> labels) {
        GenericKubernetesResource build = new GenericKubernetesResourceBuilder().withApiVersion("nixpool.dev/v1alpha1")
                .withKind("NixBuild").withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
        build.setAdditionalProperty("spec", Map.of("expression", "import ./build.nix", "system", "x86_64-linux"));
        builds().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE).resource(build).create();
    }

    private static Watcher<GenericKubernetesResource> recorder(List<String> seen) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, GenericKubernetesResource resource) {
                Map<String, String> labels = resource.getMetadata().getLabels();
                seen.add(action + " " + resource.getMetadata().getName()
                        + (labels == null || labels.isEmpty() ? "" : " " + labels));
            }

            @Override
            public void onClose(WatcherException cause) {
                seen.add("closed");
            }
        };
    }

    @Test
    void eachWatcherSeesTheEventsItsSelectorsPickInOrder() {
        List<String> all = new CopyOnWriteArrayList<>();
        List<String> teamA = new CopyOnWriteArrayList<>();
        try (Watch allWatch = builds().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE).watch(recorder(all));
                Watch teamWatch = builds().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE)
                        .withLabel("team", "a").watch(recorder(teamA))) {
            // the client's watch() returns once the WebSocket upgrade is answered; the server counts the watch when its
            // handler has registered it, which may come a moment later
            await().atMost(WAIT).untilAsserted(
                    () -> assertThat(server.openWatches()).as("served by the server's own watches").isEqualTo(2));

            create("x", Map.of("team", "a"));
            create("y", Map.of());
            builds().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE).withName("y")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}");
            builds().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE).withName("x").delete();

            await().atMost(WAIT).untilAsserted(() -> assertThat(all).containsExactly("ADDED x {team=a}", "ADDED y",
                    "MODIFIED y {team=a}", "DELETED x {team=a}"));
            await().atMost(WAIT).untilAsserted(
                    () -> assertThat(teamA).containsExactly("ADDED x {team=a}", "ADDED y {team=a}",
                            "DELETED x {team=a}"));
        }
        await().atMost(WAIT).until(() -> server.openWatches() == 0);
    }

    @Test
    void aWatchFromAResourceVersionSeesOnlyLaterChanges() {
        create("before", Map.of());
        String version = builds().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE).list().getMetadata()
                .getResourceVersion();
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Watch watch = builds().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE)
                .watch(new ListOptionsBuilder().withResourceVersion(version).build(), recorder(seen))) {
            create("after", Map.of());
            await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly("ADDED after"));
        }
    }
}
