package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/** Reads and waits on the mock API server for the operator tests. */
final class MockCluster {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KubernetesClient client;

    MockCluster(KubernetesClient client) {
        this.client = client;
    }

    <T extends HasMetadata> T create(T resource) {
        return client.resource(resource).create();
    }

    /** The operator writes the pool's status concurrently: retry a stale edit (409) as any client would. */
    void editMachine(String ns, String name, Consumer<BuildMachineSpec> change) {
        await().atMost(TIMEOUT).ignoreException(KubernetesClientException.class).until(() -> {
            client.resources(BuildMachine.class).inNamespace(ns).withName(name).edit(machine -> {
                change.accept(machine.getSpec());
                return machine;
            });
            return true;
        });
    }

    NixBuild get(String ns, String name) {
        return client.resources(NixBuild.class).inNamespace(ns).withName(name).get();
    }

    NixBuild awaitPhase(String ns, String name, NixBuildPhase phase) {
        await().atMost(TIMEOUT).untilAsserted(() -> {
            NixBuild build = get(ns, name);
            assertThat(build.getStatus()).isNotNull();
            assertThat(build.getStatus().getPhase()).isEqualTo(phase);
        });
        return get(ns, name);
    }

    static Condition condition(NixBuild build, String type) {
        if (build.getStatus() == null) {
            return null;
        }
        return build.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
                .orElse(null);
    }

    /** Null while the condition is not there yet, so that Awaitility keeps waiting on a plain assertion. */
    static String reason(NixBuild build, String type) {
        return Optional.ofNullable(condition(build, type)).map(Condition::getReason).orElse(null);
    }

    Map<String, Integer> queuePositions(String ns) {
        return client.resources(NixBuild.class).inNamespace(ns).list().getItems().stream()
                .filter(b -> b.getStatus() != null && b.getStatus().getQueuePosition() != null)
                .collect(Collectors.toMap(b -> b.getMetadata().getName(), b -> b.getStatus().getQueuePosition()));
    }

    List<Event> events(String ns, String object) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> object.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    List<String> reasonsOfEvents(String ns, String object) {
        return events(ns, object).stream().map(Event::getReason).toList();
    }

    static String decode(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)),
                StandardCharsets.UTF_8);
    }

    static void assertControllerOwner(List<OwnerReference> owners, String uid) {
        assertThat(owners).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("BuildMachine");
            assertThat(owner.getApiVersion()).isEqualTo("nixpool.dev/v1alpha1");
            assertThat(owner.getUid()).isEqualTo(uid);
            assertThat(owner.getController()).isTrue();
            assertThat(owner.getBlockOwnerDeletion()).isTrue();
        });
    }
}
