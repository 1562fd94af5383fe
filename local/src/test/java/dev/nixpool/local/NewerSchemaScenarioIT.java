package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;

import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.status.Reason;
import dev.nixpool.testing.Processes;

/**
 * Objects written for a newer CRD than the operator's, applied with the real kubectl as a user would: the test installs
 * a newer CRD first (as an upgrade that ships the CRDs before the operator does), so the embedded API server, which
 * admits custom resources by their CRD's schema, stores fields this operator does not know and values of types it
 * cannot read. The operator ignores the unknown fields, reports the unreadable objects, and keeps serving the others,
 * new ones included.
 */
class NewerSchemaScenarioIT {

    private static final String NS = "newer";
    private static final Duration KUBECTL_LIMIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("newer-schema", 190, 199);

    @TempDir
    Path scratch;

    @Test
    void newerFieldsAreIgnoredUnreadableObjectsAreReportedAndEverythingElseIsServed() throws IOException {
        ScenarioFixture.createNamespace(CLUSTER.client(), NS);
        installNewerCrds();
        long run = System.nanoTime();

        apply("""
                apiVersion: nixpool.dev/v1alpha1
                kind: BuildMachine
                metadata:
                  name: broken
                spec:
                  systems: [x86_64-linux]
                  maxBuilders: many
                ---
                apiVersion: nixpool.dev/v1alpha1
                kind: NixBuild
                metadata:
                  name: garbled
                spec: 3
                ---
                apiVersion: nixpool.dev/v1alpha1
                kind: BuildMachine
                metadata:
                  name: pool
                spec:
                  systems: [x86_64-linux]
                  maxBuilders: 2
                  prewarm:
                    schedule: "0 8 * * 1-5"
                ---
                apiVersion: nixpool.dev/v1alpha1
                kind: NixBuild
                metadata:
                  name: copied
                spec:
                  machine: pool
                  expression: |
                %s
                  attestation:
                    url: https://attest.example.org
                """.formatted(indented(derivation("copied-" + run))));

        assertThat(awaitPhase("copied")).isEqualTo("Succeeded");
        assertThat(kubectl("get", "buildmachine", "pool", "-o", "jsonpath={.spec.prewarm.schedule}"))
                .as("the operator's writes leave the newer field in place").isEqualTo("0 8 * * 1-5");
        assertReported("BuildMachine", "broken", "Ready", "spec.maxBuilders: ");
        assertReported("NixBuild", "garbled", "Scheduled", "spec: ");

        // a pool and a build that come after the unreadable ones are still seen
        apply("""
                apiVersion: nixpool.dev/v1alpha1
                kind: BuildMachine
                metadata:
                  name: late
                spec:
                  systems: [x86_64-linux]
                ---
                apiVersion: nixpool.dev/v1alpha1
                kind: NixBuild
                metadata:
                  name: after
                spec:
                  machine: late
                  expression: |
                %s
                """.formatted(indented(derivation("after-" + run))));
        assertThat(awaitPhase("after")).isEqualTo("Succeeded");
        assertThat(kubectl("get", "nixbuild", "after", "-o", "jsonpath={.status.machine}")).isEqualTo("late");
        assertThat(unreadableEvents("broken")).as("reported once").hasSize(1);
        assertThat(unreadableEvents("garbled")).as("reported once").hasSize(1);
    }

    /**
     * A newer CRD's schema for each kind: whatever spec it describes, this operator's schema no longer holds for it,
     * which a schema that keeps unknown fields and leaves spec undescribed stands for (status stays as it was).
     */
    private static void installNewerCrds() {
        for (String crd : List.of("buildmachines.nixpool.dev", "nixbuilds.nixpool.dev")) {
            CLUSTER.client().apiextensions().v1().customResourceDefinitions().withName(crd).edit(definition -> {
                JSONSchemaProps root = definition.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
                root.getProperties().remove("spec");
                root.setXKubernetesPreserveUnknownFields(true);
                return definition;
            });
        }
    }

    private static String derivation(String name) {
        return """
                derivation {
                  name = "%s";
                  system = "x86_64-linux";
                  builder = "/bin/bash";
                  args = [ "-c" "echo done > $out" ];
                }""".formatted(name);
    }

    /** Lines of a block scalar under {@code expression: |}. */
    private static String indented(String text) {
        return text.lines().map(line -> "    " + line).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    private String awaitPhase(String build) {
        await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(500)).until(() -> List
                .of("Succeeded", "Failed")
                .contains(kubectl("get", "nixbuild", build, "-o", "jsonpath={.status.phase}")));
        return kubectl("get", "nixbuild", build, "-o", "jsonpath={.status.phase}");
    }

    private void assertReported(String kind, String name, String conditionType, String reasonStart) {
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(unreadableEvents(name)).singleElement().satisfies(event -> {
                assertThat(event.getType()).isEqualTo("Warning");
                assertThat(event.getInvolvedObject().getKind()).isEqualTo(kind);
                assertThat(event.getMessage()).contains("(" + reasonStart);
            });
            String condition = "{.status.conditions[?(@.type==\"" + conditionType + "\")]";
            assertThat(kubectl("get", kind.toLowerCase(), name, "-o", "jsonpath=" + condition + ".reason}"))
                    .isEqualTo(Reason.UNREADABLE.value());
            assertThat(kubectl("get", kind.toLowerCase(), name, "-o", "jsonpath=" + condition + ".message}"))
                    .contains(reasonStart);
        });
    }

    private List<Event> unreadableEvents(String name) {
        return CLUSTER.client().v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .filter(e -> Reason.UNREADABLE.value().equals(e.getReason()))
                .toList();
    }

    private void apply(String yaml) throws IOException {
        Path file = Files.createTempFile(scratch, "objects-", ".yaml");
        Files.writeString(file, yaml);
        kubectl("apply", "-f", file.toString());
    }

    /** The real kubectl against the local cluster; stdout of a successful run. */
    private String kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--cache-dir",
                scratch.resolve("kubectl-cache").toString(), "-n", NS));
        command.addAll(List.of(args));
        ProcessResult result = Processes.run(command, null,
                Map.of("KUBECONFIG", CLUSTER.cluster().kubeconfig().toString()), KUBECTL_LIMIT);
        assertThat(result.exitCode()).as(String.join(" ", command) + ": " + Processes.describe(result)).isZero();
        return result.stdoutText().strip();
    }
}
