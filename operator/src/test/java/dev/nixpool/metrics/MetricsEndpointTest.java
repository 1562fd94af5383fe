package dev.nixpool.metrics;

import static dev.nixpool.TestResources.build;
import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * The operator's meters as Prometheus scrapes them, on the management interface, against the Fabric8 mock API server:
 * one build holds the only slot of a pool, one waits for it and one no pool can take. The probes stay on the main port.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class MetricsEndpointTest {

    private static final String NS = "metrics";
    private static final String X86 = "x86_64-linux";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    KubernetesClient client;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @TestHTTPResource("/q/metrics")
    URL metricsOnMainPort;

    @TestHTTPResource("/q/health/ready")
    URL readiness;

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void queuedBuildsPoolsAndTheRunnerAreScrapedFromTheManagementPort() throws Exception {
        client.resource(machine(NS, "small", 1, List.of(X86), List.of(), List.of())).create();
        client.resource(build(NS, "first", X86, List.of())).create();
        await().atMost(TIMEOUT).until(() -> phase("first") == NixBuildPhase.Scheduled);
        client.resource(build(NS, "second", X86, List.of())).create();
        client.resource(build(NS, "featured", X86, List.of("kvm", "big-parallel"))).create();
        client.resource(build(NS, "arm", "aarch64-linux", List.of())).create();

        await().atMost(TIMEOUT).untilAsserted(() -> {
            PrometheusSamples scrape = scrape();
            assertThat(scrape.value("nixpool_builds_queued", "namespace", NS, "pool", "small", "system", X86,
                    "features", "")).as(scrape.toString()).contains(1.0);
            assertThat(scrape.value("nixpool_builds_queued", "namespace", NS, "pool", "", "system", X86,
                    "features", "big-parallel,kvm")).as("no pool offers the features").contains(1.0);
            assertThat(scrape.value("nixpool_builds_queued", "namespace", NS, "pool", "", "system",
                    "aarch64-linux", "features", "")).as("no pool has the system").contains(1.0);
            assertThat(scrape.all("nixpool_builds_waiting", "namespace", NS)).extracting(s -> s.value())
                    .containsExactly(1.0, 1.0, 1.0);
            assertThat(scrape.value("nixpool_builders", "namespace", NS, "pool", "small", "state", "busy"))
                    .contains(1.0);
            assertThat(scrape.value("nixpool_builders", "namespace", NS, "pool", "small", "state", "idle"))
                    .contains(0.0);
            assertThat(scrape.value("nixpool_builders", "namespace", NS, "pool", "small", "state", "starting"))
                    .contains(0.0);
        });
        PrometheusSamples scrape = scrape();
        assertThat(scrape.value("nixpool_build_queue_wait_seconds_count", "namespace", NS, "pool", "small"))
                .contains(1.0);
        assertThat(scrape.all("nixpool_build_queue_wait_seconds_bucket", "namespace", NS, "pool", "small"))
                .as("a histogram").hasSizeGreaterThan(10);
        assertThat(scrape.value("nixpool_runner_threads")).as("nixpool.runner.threads").contains(32.0);
        assertThat(scrape.value("nixpool_runner_threads_busy")).isPresent();
        assertThat(scrape.value("nixpool_runner_runs_waiting")).isPresent();
        assertThat(scrape.value("nixpool_status_writes_total", "kind", "NixBuild")).hasValueSatisfying(
                writes -> assertThat(writes).isPositive());

        assertThat(get(readiness).statusCode()).as("probes stay on the main port").isEqualTo(200);
        assertThat(get(metricsOnMainPort).statusCode()).as("metrics only on the management port").isEqualTo(404);
    }

    private PrometheusSamples scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = get(metrics);
        assertThat(response.statusCode()).as(metrics.toString()).isEqualTo(200);
        return PrometheusSamples.parse(response.body());
    }

    private NixBuildPhase phase(String name) {
        NixBuild build = client.resources(NixBuild.class).inNamespace(NS).withName(name).get();
        return build != null && build.getStatus() != null ? build.getStatus().getPhase() : null;
    }

    private HttpResponse<String> get(URL url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
