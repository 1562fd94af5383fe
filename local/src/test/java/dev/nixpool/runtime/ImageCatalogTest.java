package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;

class ImageCatalogTest {

    @Test
    void theBuilderImageRunsUnderAnyRegistryAndTag() {
        assertThat(ImageCatalog.problem("nixpool/builder:0.1.0", "IfNotPresent")).isEmpty();
        assertThat(ImageCatalog.problem("ghcr.io:443/nixpool/builder:dev", "Always")).isEmpty();
        assertThat(ImageCatalog.problem("builder", null)).isEmpty();
        assertThat(ImageCatalog.problem("registry.example/builder@sha256:" + "a".repeat(64), "Never")).isEmpty();
    }

    @Test
    void anyOtherImageCannotBePulled() {
        assertThat(ImageCatalog.problem("registry.invalid/no-such-builder:1", "IfNotPresent")).hasValueSatisfying(
                p -> {
                    assertThat(p.reason()).isEqualTo("ErrImagePull");
                    assertThat(p.message()).startsWith(
                            "failed to pull and unpack image \"registry.invalid/no-such-builder:1\"")
                            .contains("not found");
                });
        assertThat(ImageCatalog.problem("builder-ish:1", "Never")).hasValueSatisfying(p -> {
            assertThat(p.reason()).isEqualTo("ErrImageNeverPull");
            assertThat(p.message()).isEqualTo(
                    "Container image \"builder-ish:1\" is not present with pull policy of Never");
        });
        assertThat(ImageCatalog.problem("", "Always")).hasValueSatisfying(
                p -> assertThat(p.reason()).isEqualTo("InvalidImageName"));
    }

    @Test
    void aPodWhoseImageCannotBePulledIsPendingWithItsContainerWaiting() {
        ObservedPodState state = ObservedPodState.scheduled("builder", "registry.invalid/x:1")
                .imageUnavailable("ErrImagePull", "failed to pull");
        PodStatus status = PodStatusRenderer.render(state);
        assertThat(status.getPhase()).isEqualTo("Pending");
        assertThat(status.getContainerStatuses()).singleElement().satisfies(c -> {
            assertThat(c.getState().getWaiting().getReason()).isEqualTo("ErrImagePull");
            assertThat(c.getState().getWaiting().getMessage()).isEqualTo("failed to pull");
            assertThat(c.getReady()).isFalse();
        });
        assertThat(status.getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("PodScheduled");
            assertThat(c.getStatus()).isEqualTo("True");
        });
        assertThat(state.isFinal()).isFalse();
    }

    @Test
    void theFailedEventIsTheKubelets() {
        var pod = new PodBuilder().withNewMetadata().withName("b-1").withNamespace("ns").withUid("u").endMetadata()
                .withNewSpec().addNewContainer().withName("builder").endContainer().endSpec().build();
        var event = KubeletEvents.render(pod, "Failed to pull image \"x\": nope", Instant.parse(
                "2026-12-01T10:00:00Z"), "local-node");
        assertThat(event.getReason()).isEqualTo("Failed");
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getSource().getComponent()).isEqualTo("kubelet");
        assertThat(event.getInvolvedObject().getFieldPath()).isEqualTo("spec.containers{builder}");
        assertThat(event.getMessage()).isEqualTo("Failed to pull image \"x\": nope");
    }
}
