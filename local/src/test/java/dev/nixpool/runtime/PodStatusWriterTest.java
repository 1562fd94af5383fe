package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@link PodStatusWriter} against the Fabric8 mock API server in CRUD mode, plus the two mock behaviours that rule out
 * the simpler status calls (see the writer's javadoc).
 */
class PodStatusWriterTest {

    private CrudMockServer server;
    private KubernetesClient client;
    private Pod pod;

    @BeforeEach
    void createPod() {
        server = new CrudMockServer();
        client = server.client();
        pod = client.pods().resource(BuilderPodFixture.builderPod("builds", "b1", "b1-ssh", List.of())).create();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void eachWriteReplacesTheWholeStatusAndKeepsConcurrentMetadata() {
        PodStatusWriter writer = new PodStatusWriter(client);
        ObservedPodState creating = ObservedPodState.scheduled("builder", "img").creating("127.0.0.7");
        assertThat(writer.write("builds", "b1", PodStatusRenderer.render(creating))).isTrue();
        client.pods().inNamespace("builds").withName("b1")
                .edit(p -> new PodBuilder(p).editMetadata().addToLabels("operator", "was-here").endMetadata().build());
        assertThat(writer.write("builds", "b1", PodStatusRenderer.render(creating.running(42).ready()))).isTrue();

        Pod stored = client.pods().inNamespace("builds").withName("b1").get();
        assertThat(stored.getMetadata().getLabels()).containsEntry("operator", "was-here");
        assertThat(stored.getStatus().getPhase()).isEqualTo("Running");
        assertThat(stored.getStatus().getConditions()).extracting(PodCondition::getType)
                .containsExactly("PodScheduled", "Initialized", "ContainersReady", "Ready");
        assertThat(stored.getStatus().getContainerStatuses()).singleElement()
                .satisfies(c -> assertThat(c.getContainerID()).isEqualTo("nixpool-runtime://42"));
    }

    @Test
    void aDeletedPodNeedsNoStatus() {
        client.pods().inNamespace("builds").withName("b1").delete();
        ObservedPodState state = ObservedPodState.scheduled("builder", "img");
        assertThat(new PodStatusWriter(client).write("builds", "b1", PodStatusRenderer.render(state))).isFalse();
    }

    @Test
    void mergePatchStatusAppendsArraysInTheMock() {
        client.pods().resource(withConditions(pod, "A")).patchStatus();
        Pod current = client.pods().inNamespace("builds").withName("b1").get();
        Pod patched = client.pods().resource(withConditions(current, "B")).patchStatus();
        assertThat(patched.getStatus().getConditions()).extracting(PodCondition::getType).containsExactly("A", "B");
    }

    @Test
    void updateStatusWithAStaleResourceVersionIsAcceptedByTheMock() {
        Pod stale = client.pods().inNamespace("builds").withName("b1").get();
        client.pods().resource(withConditions(stale, "Newer")).updateStatus();
        Pod overwritten = client.pods().resource(withConditions(stale, "Older")).updateStatus();
        assertThat(overwritten.getStatus().getConditions()).extracting(PodCondition::getType).containsExactly("Older");
    }

    private static Pod withConditions(Pod pod, String type) {
        PodStatus status = new PodStatus();
        status.setConditions(List.of(new PodCondition(null, null, null, null, null, "True", type)));
        return new PodBuilder(pod).withStatus(status).build();
    }
}
