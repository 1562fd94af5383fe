package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

class StatusWriterTest {

    @Test
    void theWrittenObjectIsThePrimaryWithTheNewStatusAndThePrimaryIsUntouched() {
        NixBuild primary = TestResources.build("ns", "b", "x86_64-linux", List.of());
        primary.getMetadata().setResourceVersion("42");
        primary.getMetadata().setLabels(Map.of("team", "a"));
        primary.getMetadata().setFinalizers(List.of("nixpool.dev/finalizer"));
        NixBuildStatus before = new NixBuildStatus();
        before.setPhase(NixBuildPhase.Pending);
        primary.setStatus(before);
        String primaryJson = Serialization.asJson(primary);

        NixBuildStatus status = new NixBuildStatus();
        status.setPhase(NixBuildPhase.Pending);
        status.setQueuePosition(3);
        NixBuild written = StatusWriter.forWrite(primary, status);

        assertThat(Serialization.asJson(primary)).as("the cached primary").isEqualTo(primaryJson);
        NixBuild expected = Serialization.clone(primary);
        expected.setStatus(status);
        assertThat(Serialization.asJson(written)).isEqualTo(Serialization.asJson(expected));
        assertThat(written.getMetadata()).isNotSameAs(primary.getMetadata());
        assertThat(written.getMetadata().getResourceVersion()).as("the write is guarded by it").isEqualTo("42");
    }
}
