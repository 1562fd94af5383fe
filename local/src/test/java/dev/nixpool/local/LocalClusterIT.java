package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The harness itself: a local cluster comes up with the CRDs, a usable kubeconfig, a ready operator process that runs
 * builder pods through the builder runtime, survives an operator restart, and leaves nothing behind when closed, even
 * with a builder running.
 */
class LocalClusterIT {

    private static final String NAMESPACE = "harness";

    @Test
    void startsRunsBuildersRestartsTheOperatorAndCleansUpCompletely() throws Exception {
        LocalCluster cluster = ScenarioFixture.start("harness", 120, 129);
        Path workDir = cluster.workDir();
        long firstPid;
        long secondPid;
        String statePath;
        try {
            assertThat(cluster.operator().isRunning()).isTrue();
            firstPid = cluster.operator().pid();
            assertThat(health(cluster.operator().httpUrl())).isEqualTo(200);

            try (KubernetesClient fromKubeconfig = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(cluster.kubeconfig()))).build()) {
                assertThat(fromKubeconfig.getMasterUrl().toString()).startsWith(cluster.apiServer().url());
                assertThat(fromKubeconfig.apiextensions().v1().customResourceDefinitions().list().getItems())
                        .extracting(crd -> crd.getMetadata().getName())
                        .containsExactlyInAnyOrder("buildmachines.nixpool.dev", "nixbuilds.nixpool.dev");
            }

            KubernetesClient client = cluster.client();
            ScenarioFixture.namespaceWithPool(client, NAMESPACE, "buildmachine-default.yaml");
            try (PodCensus census = new PodCensus(client, NAMESPACE)) {
                client.resource(ScenarioFixture.shellBuild(NAMESPACE, "linger", "harness-linger-" + System.nanoTime(),
                        ScenarioFixture.waitSeconds(600) + "; echo > $out")).create();
                await().atMost(ScenarioFixture.WAIT).until(() -> !census.everReady().isEmpty());
            }
            var live = ScenarioFixture.liveBuilders(cluster, NAMESPACE,
                    ScenarioFixture.builderOf(client, NAMESPACE, "linger"));
            assertThat(live).hasSize(1);
            statePath = live.get(0).stateDir().toString();
            assertThat(ScenarioFixture.pgrep(statePath)).as("the builder's sshd").isNotEmpty();

            cluster.operator().restart();
            secondPid = cluster.operator().pid();
            assertThat(secondPid).isNotEqualTo(firstPid);
            assertThat(health(cluster.operator().httpUrl())).isEqualTo(200);
            assertThat(ProcessHandle.of(firstPid)).as("the first operator process is gone").isEmpty();
        } finally {
            cluster.close();
        }
        assertThat(ProcessHandle.of(secondPid)).as("the operator process after close").isEmpty();
        assertThat(ScenarioFixture.pgrep(statePath)).as("builder processes after close").isEmpty();
        assertThat(ScenarioFixture.pgrep(workDir.toString())).as("any process of the work dir").isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(workDir.toString());
        assertThat(workDir).doesNotExist();
    }

    private static int health(URI operator) throws Exception {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(operator.resolve("/q/health/ready")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
