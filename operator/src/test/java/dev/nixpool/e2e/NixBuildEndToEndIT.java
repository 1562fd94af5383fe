package dev.nixpool.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.nixpool.Names;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.runtime.BuilderRuntime;
import dev.nixpool.runtime.BuilderRuntimeConfig;
import dev.nixpool.status.Conditions;

/**
 * A NixBuild really built: the whole operator (Quarkus, both reconcilers, the real SSH connector) against the Fabric8
 * mock API server, with the builder runtime running its builder pods as real sshd + Nix 2.8 on loopback (each pod its
 * own Nix store), logged in as root (the runtime runs the entrypoint as root). The example expression must come out
 * with the output path and NAR hash a local Nix computes for it, and its log must stay readable after its pod is gone,
 * and go with the NixBuild. A failing expression then fails with Nix's own error.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class NixBuildEndToEndIT {

    private static final String NS = "e2e";
    private static final Duration BUILD_TIME = Duration.ofSeconds(120);

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/api/v1/namespaces/e2e/nixbuilds/hello/log")
    URL logUrl;

    @TestHTTPResource("/api/v1/namespaces/e2e/nixbuilds/nobody/log")
    URL unknownLogUrl;

    @Test
    void theExampleExpressionIsBuiltOnARealBuilderAndItsLogOutlivesThePod() throws Exception {
        Path repo = Path.of(System.getProperty("nixpool.repo.root", "..")).toAbsolutePath();
        Path workDir = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "e2e-");
        NixBuild example = example(repo);
        try (BuilderRuntime runtime = new BuilderRuntime(client,
                BuilderRuntimeConfig.of(repo.resolve("images/builder/entrypoint.sh"), workDir.resolve("runtime"))
                        .withAddresses(60, 90))) {
            runtime.start();
            client.resource(TestResources.machine(NS, "default", 1, List.of("x86_64-linux"), List.of(), List.of()))
                    .create();
            client.resource(example).create();

            await().atMost(BUILD_TIME).pollInterval(Duration.ofMillis(500)).untilAsserted(
                    () -> assertThat(phase()).isIn(NixBuildPhase.Succeeded, NixBuildPhase.Failed));
            NixBuild done = get();
            assertThat(done.getStatus().getPhase()).as("Succeeded; status: %s", done.getStatus().getConditions())
                    .isEqualTo(NixBuildPhase.Succeeded);
            assertThat(done.getStatus().getBuildStatus()).isEqualTo("Built");
            assertThat(done.getStatus().getAttempts()).isEqualTo(1);
            assertThat(done.getStatus().getCompletionTime()).isNotNull();
            assertThat(condition(done, Names.CONDITION_SUCCEEDED)).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("Built");
            });
            assertThat(condition(done, Names.CONDITION_BUILDER_READY)).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("Connected");
                assertThat(c.getMessage()).contains("serve protocol 2.", "host key SHA256:");
            });
            assertSameAsLocalNix(done);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
                assertThat(client.secrets().inNamespace(NS).list().getItems()).isEmpty();
                assertThat(runtime.liveBuilders()).isEmpty();
            });

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> log = http.send(HttpRequest.newBuilder(logUrl.toURI()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(log.statusCode()).isEqualTo(200);
            assertThat(log.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain"));
            assertThat(log.body()).contains("[nixpool] attempt 1: connecting to root@127.0.0.",
                    "[nixpool] building " + done.getStatus().getDerivation(), "[nixpool] Nix says: Built");
            assertThat(done.getStatus().getLogTail()).endsWith("[nixpool] Nix says: Built");

            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(unknownLogUrl.toURI()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("no build log for NixBuild e2e/nobody");
            HttpResponse<String> noSuchAttempt = http.send(
                    HttpRequest.newBuilder(URI.create(logUrl + "?attempt=2")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(noSuchAttempt.statusCode()).isEqualTo(404);
            assertThat(noSuchAttempt.body()).contains("has no log for attempt 2; the latest attempt with a log is 1");
            HttpResponse<String> badAttempt = http.send(
                    HttpRequest.newBuilder(URI.create(logUrl + "?attempt=0")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(badAttempt.statusCode()).isEqualTo(400);
            assertThat(badAttempt.body()).contains("attempt must be 1 or more, got 0");

            assertAFailingBuildFailsWithNixsError(example);

            client.resource(done).delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> get() == null);
            assertThat(http.send(HttpRequest.newBuilder(logUrl.toURI()).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).as("a deleted build's logs go with it").isEqualTo(404);
        } finally {
            try (Stream<Path> paths = Files.walk(workDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A second build on the same pool, once the first has freed it: the builder fails it; Nix says why. */
    private void assertAFailingBuildFailsWithNixsError(NixBuild example) {
        NixBuild failing = client.getKubernetesSerialization().clone(example);
        failing.getMetadata().setName("fails");
        failing.getSpec().setExpression("""
                derivation {
                  name = "fails";
                  system = "x86_64-linux";
                  builder = "/bin/sh";
                  args = [ "-c" "echo about to fail; exit 3" ];
                }
                """);
        client.resource(failing).create();
        await().atMost(BUILD_TIME).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(
                client.resources(NixBuild.class).inNamespace(NS).withName("fails").get().getStatus().getPhase())
                .isEqualTo(NixBuildPhase.Failed));
        NixBuild failed = client.resources(NixBuild.class).inNamespace(NS).withName("fails").get();
        assertThat(failed.getStatus().getBuildStatus()).isEqualTo("PermanentFailure");
        assertThat(failed.getStatus().getOutputs()).isEmpty();
        assertThat(condition(failed, Names.CONDITION_SUCCEEDED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("PermanentFailure");
            assertThat(c.getMessage()).startsWith("Nix: PermanentFailure: ").contains("exit code 3")
                    .doesNotContain("\u001B");
        });
        assertThat(failed.getStatus().getLogTail()).contains("about to fail", "[nixpool] Nix says: PermanentFailure");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty());
    }

    /** The output path is fixed by the expression; the NAR hash by what the builder wrote. */
    private static void assertSameAsLocalNix(NixBuild done) throws IOException, InterruptedException {
        try (LocalNixStore local = LocalNixStore.create("e2e")) {
            StorePath drv = local.instantiate("hello", done.getSpec().getExpression());
            assertThat(done.getStatus().getDerivation()).isEqualTo(drv.toString());
            String out = local.runOk("nix-store", "--realise", drv.toString());
            String narHash = local.runOk("nix-store", "--query", "--hash", out);
            assertThat(done.getStatus().getOutputs()).singleElement().satisfies((BuildOutput o) -> {
                assertThat(o.getName()).isEqualTo("out");
                assertThat(o.getPath()).isEqualTo(out);
                assertThat(o.getNarHash()).isEqualTo(narHash);
                assertThat(o.getNarSize()).isPositive();
            });
        }
    }

    private NixBuild example(Path repo) throws IOException {
        try (InputStream in = Files.newInputStream(repo.resolve("examples/nixbuild-hello-expression.yaml"))) {
            NixBuild build = client.getKubernetesSerialization().unmarshal(in, NixBuild.class);
            build.getMetadata().setNamespace(NS);
            return build;
        }
    }

    private NixBuild get() {
        return client.resources(NixBuild.class).inNamespace(NS).withName("hello").get();
    }

    private NixBuildPhase phase() {
        NixBuild build = get();
        return build != null && build.getStatus() != null ? build.getStatus().getPhase() : null;
    }

    private static Condition condition(NixBuild build, String type) {
        return Conditions.find(build.getStatus().getConditions(), type).orElseThrow();
    }
}
