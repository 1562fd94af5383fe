package dev.nixpool.gatewayops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.MockApiServer;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

/** Finished gateway builds go a TTL after they finished; running ones and kubectl's own builds stay. */
class FinishedBuildSweeperTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();

    @Test
    void deletesOnlyGatewayBuildsFinishedLongerAgoThanTheTtl() {
        create("old", true, NixBuildPhase.Succeeded, NOW.minus(Duration.ofHours(2)));
        create("recent", true, NixBuildPhase.Failed, NOW.minus(Duration.ofMinutes(10)));
        create("running", true, NixBuildPhase.Building, null);
        create("kubectl", false, NixBuildPhase.Succeeded, NOW.minus(Duration.ofDays(2)));

        int deleted = new FinishedBuildSweeper(client, Duration.ofHours(1)).sweep(NOW);

        assertThat(deleted).isEqualTo(1);
        assertThat(client.resources(NixBuild.class).inNamespace("ns").list().getItems())
                .extracting(b -> b.getMetadata().getName())
                .containsExactlyInAnyOrder("recent", "running", "kubectl");
    }

    private void create(String name, boolean gateway, NixBuildPhase phase, Instant completed) {
        NixBuild b = TestResources.build("ns", name, "x86_64-linux", List.of());
        if (gateway) {
            b.getMetadata().setLabels(Map.of(BuildOrigin.LABEL, BuildOrigin.GATEWAY));
        }
        NixBuildStatus status = new NixBuildStatus();
        status.setPhase(phase);
        if (completed != null) {
            status.setCompletionTime(completed.toString());
        }
        b.setStatus(status);
        client.resource(b).create();
    }
}
