package dev.nixpool.reconcile;

import static dev.nixpool.TestResources.build;
import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.nixpool.Names;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.reading.InformerWatchdog;
import dev.nixpool.status.Reason;

/**
 * Objects written against a newer CRD than the operator's, as a rollback or a partial upgrade leaves them: they are
 * created raw (the typed classes would drop what they do not know), and the mock API server, like an API server with
 * the newer CRD, keeps every field.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class NewerSchemaTest {

    private static final String X86 = "x86_64-linux";
    private static final String API_VERSION = "nixpool.dev/v1alpha1";

    @Inject
    KubernetesClient client;

    @Inject
    ConfigurationService operatorConfig;

    @Inject
    InformerWatchdog watchdog;

    MockCluster cluster;

    @BeforeEach
    void connect() {
        cluster = new MockCluster(client);
    }

    /** The last resort, should an informer still stop: JOSDK calls the watchdog, which fails the liveness check. */
    @Test
    void informersRetryFailuresAndAStoppedOneIsReported() {
        assertThat(operatorConfig.stopOnInformerErrorDuringStartup()).isFalse();
        assertThat(operatorConfig.getInformerStoppedHandler()).hasValueSatisfying(
                handler -> assertThat(handler).isInstanceOf(InformerWatchdog.class));
        assertThat(watchdog.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }

    @Test
    void objectsWithFieldsThisVersionDoesNotKnowAreServed() {
        String ns = "newer";
        createRaw(ns, "BuildMachine", "pool", """
                {"systems": ["x86_64-linux"], "maxBuilders": 2, "prewarm": {"schedule": "0 8 * * 1-5"},
                 "template": {"image": "nixpool/builder:0.1.0", "warmup": {"paths": []}}}""");
        createRaw(ns, "NixBuild", "copied", """
                {"derivation": "%s", "system": "x86_64-linux",
                 "attestation": {"url": "https://attest.example.org", "signWith": "key"}}"""
                .formatted(TestResources.DRV));

        NixBuild scheduled = cluster.awaitPhase(ns, "copied", NixBuildPhase.Scheduled);
        assertThat(scheduled.getStatus().getMachine()).isEqualTo("pool");
        assertThat(client.pods().inNamespace(ns).withName(scheduled.getStatus().getBuilder()).get()).isNotNull();
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(conditions(ns, "BuildMachine", "pool"))
                .anySatisfy(c -> assertThat(c).containsEntry("type", Names.CONDITION_READY)
                        .containsEntry("status", "True")));
        assertThat(cluster.reasonsOfEvents(ns, "copied")).doesNotContain(Reason.UNREADABLE.value());

        // the operator's writes (status, finalizer) leave the fields it does not know in place
        assertThat(spec(ns, "BuildMachine", "pool")).containsKey("prewarm");
        assertThat(spec(ns, "NixBuild", "copied")).containsKey("attestation");
    }

    @Test
    void unreadableObjectsAreReportedAndEveryOtherObjectIsStillServed() {
        String ns = "unreadable";
        createRaw(ns, "BuildMachine", "bad-pool", "{\"systems\": [\"x86_64-linux\"], \"maxBuilders\": \"many\"}");
        createRaw(ns, "NixBuild", "bad-build", "3");

        assertUnreadableReported(ns, "BuildMachine", "bad-pool", Names.CONDITION_READY, "spec.maxBuilders: ");
        assertUnreadableReported(ns, "NixBuild", "bad-build", Names.CONDITION_SCHEDULED, "spec: ");

        // the informers still see new objects of both kinds
        cluster.create(machine(ns, "good-pool", 1, List.of(X86), List.of(), List.of()));
        cluster.create(build(ns, "fine", X86, List.of()));
        NixBuild scheduled = cluster.awaitPhase(ns, "fine", NixBuildPhase.Scheduled);
        assertThat(scheduled.getStatus().getMachine()).isEqualTo("good-pool");

        // reported once: the condition's own write makes a new version that is just as unreadable
        assertThat(unreadableEvents(ns, "bad-pool")).hasSize(1);
        assertThat(unreadableEvents(ns, "bad-build")).hasSize(1);
        assertThat(client.pods().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName())
                .containsExactly(scheduled.getStatus().getBuilder());
    }

    @Test
    void anUnreadablePoolThatIsFixedIsServedAgain() {
        String ns = "fixed";
        createRaw(ns, "BuildMachine", "pool", "{\"systems\": \"x86_64-linux\"}");
        assertUnreadableReported(ns, "BuildMachine", "pool", Names.CONDITION_READY, "spec.systems: ");
        cluster.create(build(ns, "waits", X86, List.of()));
        await().atMost(MockCluster.TIMEOUT).untilAsserted(
                () -> assertThat(MockCluster.reason(cluster.get(ns, "waits"), Names.CONDITION_SCHEDULED))
                        .isEqualTo(Reason.UNSCHEDULABLE.value()));

        GenericKubernetesResource pool = raw(ns, "BuildMachine").withName("pool").get();
        pool.setAdditionalProperty("spec", Map.of("systems", List.of(X86), "maxBuilders", 1));
        raw(ns, "BuildMachine").resource(pool).update();

        assertThat(cluster.awaitPhase(ns, "waits", NixBuildPhase.Scheduled).getStatus().getMachine())
                .isEqualTo("pool");
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(conditions(ns, "BuildMachine", "pool"))
                .anySatisfy(c -> assertThat(c).containsEntry("type", Names.CONDITION_READY)
                        .containsEntry("status", "True")));
    }

    private void assertUnreadableReported(String ns, String kind, String name, String conditionType,
            String reasonStart) {
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(unreadableEvents(ns, name))
                .singleElement()
                .satisfies(event -> {
                    assertThat(event.getType()).isEqualTo("Warning");
                    assertThat(event.getInvolvedObject().getKind()).isEqualTo(kind);
                    assertThat(event.getMessage()).contains("cannot read this " + kind + " (" + reasonStart);
                }));
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(conditions(ns, kind, name))
                .anySatisfy(c -> assertThat(c).containsEntry("type", conditionType)
                        .containsEntry("status", "False")
                        .containsEntry("reason", Reason.UNREADABLE.value())
                        .hasEntrySatisfying("message", m -> assertThat((String) m).contains(reasonStart))));
    }

    private List<Event> unreadableEvents(String ns, String name) {
        return cluster.events(ns, name).stream().filter(e -> Reason.UNREADABLE.value().equals(e.getReason())).toList();
    }

    private void createRaw(String ns, String kind, String name, String specJson) {
        String json = """
                {"apiVersion": "%s", "kind": "%s", "metadata": {"name": "%s", "namespace": "%s"}, "spec": %s}"""
                .formatted(API_VERSION, kind, name, ns, specJson);
        raw(ns, kind).resource(client.getKubernetesSerialization().unmarshal(json, GenericKubernetesResource.class))
                .create();
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> raw(
            String ns, String kind) {
        return client.genericKubernetesResources(API_VERSION, kind).inNamespace(ns);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> spec(String ns, String kind, String name) {
        return (Map<String, Object>) raw(ns, kind).withName(name).get().getAdditionalProperties().get("spec");
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> conditions(String ns, String kind, String name) {
        Object status = raw(ns, kind).withName(name).get().getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> map) || !(map.get("conditions") instanceof List<?> list)) {
            return List.of();
        }
        return (List<Map<String, Object>>) list;
    }
}
