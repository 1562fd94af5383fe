package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.MockApiServer;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.status.Reason;
import dev.nixpool.status.StatusText;

/** Event messages are the third family of bounded strings: an evaluation error of megabytes gives a short Event. */
class EventRecorderTest {

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();

    @Test
    void aMessageOfMegabytesIsCutWithAMarker() {
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("huge").withUid("u-1").build());
        String message = "evaluating the expression failed: " + "0123456789abcdef".repeat(262_144);

        new EventRecorder(client).warning(build, Reason.EVALUATION_FAILED, message);

        Event event = client.v1().events().inNamespace("ns").list().getItems().get(0);
        assertThat(event.getReason()).isEqualTo("EvaluationFailed");
        assertThat(event.getMessage()).hasSizeLessThanOrEqualTo(StatusText.EVENT_MESSAGE)
                .startsWith("evaluating the expression failed: 0123456789abcdef")
                .contains("more characters cut; the build log has them all]");
    }
}
