package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.status.Conditions;

/**
 * The build log API end to end: the operator as its own process, builder pods run by the builder runtime with real
 * sshd and Nix. A built example's log stays readable after its pod is gone, a wrong build or attempt gets a 404 or 400
 * that says why, a failing build ends with Nix's own error, and a deleted build's log goes with it.
 */
class LogEndpointScenarioIT {

    private static final String NS = "logs";

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("log-endpoint", 60, 79);

    private final KubernetesClient client = CLUSTER.client();

    @Test
    void theExampleExpressionIsBuiltOnARealBuilderAndItsLogOutlivesThePod() throws Exception {
        ScenarioFixture.namespaceWithPool(client, NS, "buildmachine-default.yaml");
        NixBuild example = ScenarioFixture.example(client, NixBuild.class, "nixbuild-hello-expression.yaml", NS);
        client.resource(example).create();

        NixBuild done = ScenarioFixture.awaitFinished(client, NS, "hello");
        assertThat(done.getStatus().getPhase()).as(ScenarioFixture.describe(done)).isEqualTo(NixBuildPhase.Succeeded);
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

        String builder = done.getStatus().getBuilder();
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(client.pods().inNamespace(NS).withName(builder).get()).isNull();
            assertThat(ScenarioFixture.liveBuilders(CLUSTER.cluster(), NS, builder)).isEmpty();
        });

        URI logUrl = logUrl("hello");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> log = http.send(HttpRequest.newBuilder(logUrl).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(log.statusCode()).isEqualTo(200);
        assertThat(log.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(log.body()).contains("[nixpool] attempt 1: connecting to root@127.0.0.",
                "[nixpool] building " + done.getStatus().getDerivation(), "[nixpool] Nix says: Built");
        assertThat(done.getStatus().getLogTail()).endsWith("[nixpool] Nix says: Built");

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(logUrl("nobody")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no build log for NixBuild " + NS + "/nobody");
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
        await().atMost(ScenarioFixture.WAIT).until(() -> get() == null);
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> assertThat(
                http.send(HttpRequest.newBuilder(logUrl).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("a deleted build's logs go with it").isEqualTo(404));
    }

    private static URI logUrl(String name) {
        return CLUSTER.cluster().operator().httpUrl()
                .resolve("/api/v1/namespaces/" + NS + "/nixbuilds/" + name + "/log");
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
        NixBuild failed = ScenarioFixture.awaitFinished(client, NS, "fails");
        assertThat(failed.getStatus().getPhase()).as(ScenarioFixture.describe(failed)).isEqualTo(NixBuildPhase.Failed);
        assertThat(failed.getStatus().getBuildStatus()).isEqualTo("PermanentFailure");
        assertThat(failed.getStatus().getOutputs()).isEmpty();
        assertThat(condition(failed, Names.CONDITION_SUCCEEDED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("PermanentFailure");
            assertThat(c.getMessage()).startsWith("Nix: PermanentFailure: ").contains("exit code 3")
                    .doesNotContain("\u001B");
        });
        assertThat(failed.getStatus().getLogTail()).contains("about to fail", "[nixpool] Nix says: PermanentFailure");
        String builder = failed.getStatus().getBuilder();
        await().atMost(ScenarioFixture.WAIT).untilAsserted(
                () -> assertThat(client.pods().inNamespace(NS).withName(builder).get()).isNull());
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

    private NixBuild get() {
        return client.resources(NixBuild.class).inNamespace(NS).withName("hello").get();
    }

    private static Condition condition(NixBuild build, String type) {
        return Conditions.find(build.getStatus().getConditions(), type).orElseThrow();
    }
}
