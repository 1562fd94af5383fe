package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.metrics.PrometheusSamples;

/**
 * The operator's Prometheus endpoint after real builds: the operator as its own process with its management interface
 * on a loopback port, builder pods run by the builder runtime with real sshd and Nix. On a pool of one builder, a
 * build that succeeds, one that holds the builder while a failing one queues behind it, then the failing one: the
 * scrape shows the queue and the busy builder while they last, and afterwards the finished builds by result and
 * reason and one queue wait, builder start and dispatch per build.
 */
class MetricsScenarioIT {

    private static final String NS = "metrics";
    private static final String POOL = "default";
    private static final String X86 = "x86_64-linux";

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("metrics", 100, 109);

    private final KubernetesClient client = CLUSTER.client();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void realBuildsAreCountedTimedAndQueuedInTheScrape() throws Exception {
        ScenarioFixture.createNamespace(client, NS);
        BuildMachine pool = ScenarioFixture.example(client, BuildMachine.class, "buildmachine-default.yaml", NS);
        pool.getSpec().setMaxBuilders(1);
        client.resource(pool).create();
        long run = System.nanoTime();

        client.resource(ScenarioFixture.example(client, NixBuild.class, "nixbuild-hello-expression.yaml", NS))
                .create();
        assertPhase(ScenarioFixture.awaitFinished(client, NS, "hello"), NixBuildPhase.Succeeded);

        client.resource(ScenarioFixture.shellBuild(NS, "sleeper", "sleeper-" + run,
                ScenarioFixture.waitSeconds(300) + "; echo done > $out")).create();
        await().atMost(ScenarioFixture.WAIT).until(() -> phase("sleeper") == NixBuildPhase.Building);
        client.resource(ScenarioFixture.shellBuild(NS, "fails", "fails-" + run, "echo about to fail; exit 3"))
                .create();

        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            PrometheusSamples scrape = scrape();
            assertThat(scrape.value("nixpool_builds_queued", "namespace", NS, "pool", POOL, "system", X86,
                    "features", "")).as("the failing build waits for the only builder\n" + scrape).contains(1.0);
            assertThat(scrape.value("nixpool_builds_waiting", "namespace", NS, "system", X86, "features", ""))
                    .contains(1.0);
            assertThat(scrape.value("nixpool_builders", "namespace", NS, "pool", POOL, "state", "busy"))
                    .contains(1.0);
            assertThat(scrape.value("nixpool_runner_threads_busy")).as("the sleeper's session")
                    .hasValueSatisfying(busy -> assertThat(busy).isGreaterThanOrEqualTo(1.0));
        });

        client.resources(NixBuild.class).inNamespace(NS).withName("sleeper").delete();
        assertPhase(ScenarioFixture.awaitFinished(client, NS, "fails"), NixBuildPhase.Failed);

        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            PrometheusSamples scrape = scrape();
            assertThat(scrape.value("nixpool_builds_finished_total", "namespace", NS, "pool", POOL, "result",
                    "Succeeded", "reason", "Built")).as(scrape.toString()).contains(1.0);
            assertThat(scrape.value("nixpool_builds_finished_total", "namespace", NS, "pool", POOL, "result",
                    "Failed", "reason", "PermanentFailure")).contains(1.0);
            assertThat(scrape.all("nixpool_builds_finished_total", "namespace", NS)).as("a deleted build never ends")
                    .hasSize(2);
            assertThat(scrape.all("nixpool_builds_queued", "namespace", NS)).as("nothing waits any more").isEmpty();
            assertThat(scrape.value("nixpool_builders", "namespace", NS, "pool", POOL, "state", "busy"))
                    .contains(0.0);
        });
        PrometheusSamples scrape = scrape();
        for (String timer : new String[]{"nixpool_build_queue_wait_seconds", "nixpool_builder_start_seconds",
                "nixpool_build_dispatch_latency_seconds"}) {
            assertThat(scrape.value(timer + "_count", "namespace", NS, "pool", POOL)).as(timer + ", one per build")
                    .contains(3.0);
            assertThat(scrape.value(timer + "_bucket", "namespace", NS, "pool", POOL, "le", "+Inf")).as(timer)
                    .contains(3.0);
        }
        assertThat(scrape.value("nixpool_build_queue_wait_seconds_sum", "namespace", NS, "pool", POOL))
                .as("the failing build waited while the sleeper held the builder")
                .hasValueSatisfying(sum -> assertThat(sum).isGreaterThan(0.0));
        assertThat(scrape.value("nixpool_build_duration_seconds_count", "namespace", NS, "pool", POOL, "result",
                "Succeeded")).contains(1.0);
        assertThat(scrape.value("nixpool_build_duration_seconds_count", "namespace", NS, "pool", POOL, "result",
                "Failed")).contains(1.0);
    }

    private PrometheusSamples scrape() throws IOException, InterruptedException {
        URI url = CLUSTER.cluster().operator().managementUrl().resolve("/q/metrics");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url.toString()).isEqualTo(200);
        return PrometheusSamples.parse(response.body());
    }

    private NixBuildPhase phase(String name) {
        NixBuild build = ScenarioFixture.get(client, NS, name);
        return build != null && build.getStatus() != null ? build.getStatus().getPhase() : null;
    }

    private static void assertPhase(NixBuild build, NixBuildPhase phase) {
        assertThat(build.getStatus().getPhase()).as(ScenarioFixture.describe(build)).isEqualTo(phase);
    }
}
