package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Processes;

/** The real kubectl scaling a custom resource through its scale subresource on the embedded API server. */
class EmbeddedApiServerScaleKubectlIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SCALE = "/apis/scaling.nixpool.dev/v1/namespaces/default/pools/warm/scale";

    private static KubectlFixture k;

    @BeforeAll
    static void start() throws Exception {
        k = new KubectlFixture();
        ScaleTestCrds.create(k.client());
        Path manifest = k.dir().resolve("pools.yaml");
        Files.writeString(manifest, """
                apiVersion: scaling.nixpool.dev/v1
                kind: Pool
                metadata:
                  name: warm
                spec:
                  minIdle: 1
                  maxBuilders: 5
                ---
                apiVersion: scaling.nixpool.dev/v1
                kind: Pool
                metadata:
                  name: held
                spec:
                  minIdle: 1
                ---
                apiVersion: scaling.nixpool.dev/v1
                kind: Gadget
                metadata:
                  name: plain
                spec:
                  minIdle: 1
                """, StandardCharsets.UTF_8);
        k.ok("apply", "-f", manifest.toString());
        k.client().genericKubernetesResources(ScaleTestCrds.POOLS).inNamespace("default").withName("warm")
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"status\":{\"idleBuilders\":1,\"selector\":\"nixpool.dev/pool=warm\"}}");
    }

    @AfterAll
    static void stop() {
        if (k != null) {
            k.close();
        }
    }

    @Test
    void kubectlScaleMergePatchesTheScaleAndWatchersSeeIt() throws Exception {
        JsonNode before = JSON.readTree(k.ok("get", "--raw", SCALE));
        assertThat(before.path("kind").asText()).isEqualTo("Scale");
        assertThat(before.path("apiVersion").asText()).isEqualTo("autoscaling/v1");
        assertThat(before.path("spec").path("replicas").asInt()).isEqualTo(1);
        assertThat(before.path("status").toString())
                .isEqualTo("{\"replicas\":1,\"selector\":\"nixpool.dev/pool=warm\"}");

        KubectlFixture.Background watch = k.start("get", "pool", "warm", "-w", "-o",
                "jsonpath={.metadata.generation}:{.spec.minIdle}{\"\\n\"}");
        await().atMost(WAIT).until(() -> watch.text().lines().anyMatch("1:1"::equals));

        ProcessResult scaled = k.kubectl("scale", "pool/warm", "--replicas=3", "-v=8");
        assertThat(scaled.exitCode()).as(Processes.describe(scaled)).isZero();
        assertThat(scaled.stdoutText()).contains("pool.scaling.nixpool.dev/warm scaled");
        // what kubectl sends: a JSON merge patch of the Scale, straight to the subresource
        assertThat(scaled.stderr()).contains("PATCH " + k.server().url() + SCALE)
                .contains("Content-Type: application/merge-patch+json")
                .contains("body=\"{\\\"spec\\\":{\\\"replicas\\\":3}}\"");

        await().atMost(WAIT).until(() -> watch.text().lines().anyMatch("2:3"::equals));
        JsonNode after = JSON.readTree(k.ok("get", "--raw", SCALE));
        assertThat(after.path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThat(after.path("status").path("replicas").asInt()).isEqualTo(1);
        GenericKubernetesResource pool = k.client().genericKubernetesResources(ScaleTestCrds.POOLS)
                .inNamespace("default").withName("warm").get();
        assertThat(pool.<Object>get("spec")).isEqualTo(Map.of("minIdle", 3, "maxBuilders", 5));
        assertThat(after.path("metadata").path("resourceVersion").asText())
                .isEqualTo(pool.getMetadata().getResourceVersion());
    }

    @Test
    void preconditionsAndInvalidReplicasAreTheServersAnswers() {
        String held = "/apis/scaling.nixpool.dev/v1/namespaces/default/pools/held/scale";
        // --current-replicas makes kubectl GET the Scale, check it, and PUT it back with its resourceVersion
        ProcessResult wrong = k.kubectl("scale", "pool/held", "--current-replicas=2", "--replicas=4");
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.stderr()).contains("Expected replicas to be 2, was 1");
        ProcessResult right = k.kubectl("scale", "pool/held", "--current-replicas=1", "--replicas=4", "-v=8");
        assertThat(right.exitCode()).as(Processes.describe(right)).isZero();
        assertThat(right.stderr()).contains("GET " + k.server().url() + held)
                .contains("PUT " + k.server().url() + held);
        assertThat(k.ok("get", "pool", "held", "-o", "jsonpath={.spec.minIdle}")).isEqualTo("4");

        ProcessResult negative = k.kubectl("patch", "pool", "held", "--subresource=scale", "--type=merge", "-p",
                "{\"spec\":{\"replicas\":-1}}");
        assertThat(negative.exitCode()).isNotZero();
        // kubectl words a 422 with causes from the Status details (kind, name, causes)
        assertThat(negative.stderr()).contains(
                "The Pool \"held\" is invalid: .spec.minIdle: Invalid value: -1: should be a non-negative integer");
        assertThat(k.ok("get", "pool", "held", "-o", "jsonpath={.spec.minIdle}")).isEqualTo("4");
    }

    @Test
    void typesWithoutAScaleSubresourceCannotBeScaled() {
        ProcessResult refused = k.kubectl("scale", "gadget/plain", "--replicas=3");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("Error from server (NotFound): the server could not find the requested"
                + " resource");
        ProcessResult raw = k.kubectl("get", "--raw", "/apis/scaling.nixpool.dev/v1/namespaces/default/gadgets/plain"
                + "/scale");
        assertThat(raw.exitCode()).isNotZero();
        assertThat(raw.stderr()).contains("NotFound");
        assertThat(k.ok("get", "gadget", "plain", "-o", "jsonpath={.spec.minIdle}")).isEqualTo("1");
    }
}
