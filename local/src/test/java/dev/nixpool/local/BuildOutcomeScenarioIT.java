package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Toleration;

import dev.nixpool.Names;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.status.Reason;

/**
 * What a build ends as, end to end: the operator as its own process, builder pods run by the builder runtime, real sshd
 * and Nix on them, the Fabric8 mock as API server. One cluster for all scenarios here, one namespace per scenario.
 */
class BuildOutcomeScenarioIT {

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("build-outcome", 130, 149);

    @Test
    void helloExampleSucceedsWithTheOutputAndNarHashOfALocalBuild() throws Exception {
        String ns = "hello";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
        NixBuild hello = ScenarioFixture.example(CLUSTER.client(), NixBuild.class, "nixbuild-hello-expression.yaml",
                ns);
        CLUSTER.client().resource(hello).create();

        NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "hello");
        String summary = ScenarioFixture.describe(done);
        assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Succeeded);
        assertThat(done.getStatus().getBuildStatus()).as(summary).isEqualTo("Built");
        assertThat(done.getStatus().getAttempts()).as(summary).isEqualTo(1);
        assertThat(done.getStatus().getMachine()).isEqualTo("default");

        try (LocalNixStore local = LocalNixStore.create("hello-reference")) {
            Path file = local.workDir().resolve("hello.nix");
            Files.writeString(file, hello.getSpec().getExpression());
            String drv = local.runOk("nix-instantiate", file.toString());
            String outPath = local.runOk("nix-store", "--query", "--outputs", drv);
            assertThat(local.runOk("nix-store", "--realise", drv)).isEqualTo(outPath);
            JsonNode info = new ObjectMapper().readTree(local.runOk("nix", "path-info", "--json", outPath)).get(0);

            assertThat(done.getStatus().getDerivation()).as("the derivation the builder evaluated").isEqualTo(drv);
            assertThat(done.getStatus().getOutputs()).singleElement().satisfies(out -> {
                assertThat(out.getName()).isEqualTo("out");
                assertThat(out.getPath()).isEqualTo(outPath);
                assertThat(out.getNarHash()).isEqualTo(NixHash.parse(info.get("narHash").asText()).toPrefixedNix32());
                assertThat(out.getNarSize()).isEqualTo(info.get("narSize").asLong());
            });
        }
        String builder = done.getStatus().getBuilder();
        assertThat(builder).as("a builder of the pool, named for its slot").matches("default-\\d+-[a-z0-9]{5}");
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(CLUSTER.client().pods().inNamespace(ns).withName(builder).get()).as("the ephemeral builder pod")
                    .isNull();
            assertThat(CLUSTER.client().secrets().inNamespace(ns).withName(Names.keySecretName(builder)).get())
                    .as("its key Secret").isNull();
            assertThat(ScenarioFixture.liveBuilders(CLUSTER.cluster(), ns, builder)).isEmpty();
        });
    }

    @Test
    void failingDerivationFailsPermanentlyWithTheBuildersMessageInTheLogTailAndTheLog() throws Exception {
        String ns = "failing";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
        String marker = "nixpool-intended-failure-" + System.nanoTime();
        CLUSTER.client().resource(ScenarioFixture.shellBuild(ns, "broken", "broken-" + System.nanoTime(),
                "echo " + marker + " >&2; exit 3")).create();

        NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "broken");
        String summary = ScenarioFixture.describe(done);
        assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Failed);
        assertThat(done.getStatus().getBuildStatus()).as(summary).isEqualTo("PermanentFailure");
        assertThat(done.getStatus().getLogTail()).as(summary).contains(marker);
        assertThat(done.getStatus().getAttempts()).as("a failed derivation is not retried: " + summary).isEqualTo(1);
        assertThat(done.getStatus().getOutputs()).extracting(BuildOutput::getPath).isEmpty();

        HttpResponse<String> log = HttpClient.newHttpClient().send(HttpRequest.newBuilder(CLUSTER.cluster().operator()
                .httpUrl().resolve("/api/v1/namespaces/" + ns + "/nixbuilds/broken/log")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
        assertThat(log.headers().firstValue("X-Nixpool-Attempt")).contains("1");
        assertThat(log.body()).contains(marker);
        assertThat(CLUSTER.cluster().workDir().resolve("build-logs").resolve(ns).resolve("broken"))
                .as("build logs are kept in the cluster's work dir").isDirectory();
    }

    @Test
    void kvmBuildGetsTheKvmPlacementOnItsPod() {
        String ns = "kvm";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-kvm.yaml");
        CLUSTER.client().resource(ScenarioFixture.example(CLUSTER.client(), NixBuild.class, "nixbuild-kvm.yaml", ns))
                .create();

        await().atMost(ScenarioFixture.WAIT)
                .until(() -> !ScenarioFixture.builderPods(CLUSTER.client(), ns, "kvm-check").isEmpty());
        Pod pod = ScenarioFixture.builderPods(CLUSTER.client(), ns, "kvm-check").get(0);
        String podName = pod.getMetadata().getName();
        assertThat(pod.getSpec().getNodeSelector()).containsEntry("nixpool.dev/kvm", "true");
        assertThat(pod.getSpec().getTolerations()).extracting(Toleration::getKey, Toleration::getOperator,
                Toleration::getEffect).contains(
                        tuple("nixpool.dev/kvm", "Exists",
                                "NoSchedule"));
        assertThat(pod.getSpec().getContainers().get(0).getResources().getRequests())
                .containsKey("devices.kubevirt.io/kvm");
        assertThat(pod.getMetadata().getLabels()).containsEntry(Names.LABEL_MACHINE, "kvm");

        CLUSTER.client().resources(NixBuild.class).inNamespace(ns).withName("kvm-check").delete();
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(ScenarioFixture.get(CLUSTER.client(), ns, "kvm-check")).isNull();
            assertThat(CLUSTER.client().pods().inNamespace(ns).withName(podName).get()).isNull();
            assertThat(ScenarioFixture.liveBuilders(CLUSTER.cluster(), ns, podName)).isEmpty();
        });
    }

    @Test
    void unsatisfiableFeatureGetsNoPod() throws Exception {
        String ns = "unsatisfiable";
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
        NixBuild build = ScenarioFixture.shellBuild(ns, "needs-kvm", "needs-kvm-" + System.nanoTime(), "echo > $out");
        build.getSpec().getRequiredSystemFeatures().add("kvm");
        try (PodCensus census = new PodCensus(CLUSTER.client(), ns)) {
            CLUSTER.client().resource(build).create();
            await().atMost(ScenarioFixture.WAIT).until(() -> {
                NixBuild seen = ScenarioFixture.get(CLUSTER.client(), ns, "needs-kvm");
                Condition scheduled = seen.getStatus() == null
                        ? null
                        : seen.getStatus().getConditions().stream()
                                .filter(c -> Names.CONDITION_SCHEDULED.equals(c.getType())).findFirst().orElse(null);
                return scheduled != null && "False".equals(scheduled.getStatus())
                        && Reason.UNSCHEDULABLE.value().equals(scheduled.getReason());
            });
            // another reconcile, woken by a pool the build cannot use either: seen in the verdict it writes
            CLUSTER.client().resource(TestResources.machine(ns, "riscv", 1, List.of("riscv64-linux"), List.of(),
                    List.of())).create();
            await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> assertThat(ScenarioFixture
                    .get(CLUSTER.client(), ns, "needs-kvm").getStatus().getConditions())
                    .filteredOn(c -> Names.CONDITION_SCHEDULED.equals(c.getType()))
                    .singleElement().satisfies(c -> assertThat(c.getMessage()).contains("- riscv (")));
            assertThat(census.seen()).as("builder pods in the namespace").isEmpty();
        }
        NixBuild pending = ScenarioFixture.get(CLUSTER.client(), ns, "needs-kvm");
        assertThat(pending.getStatus().getPhase()).isEqualTo(NixBuildPhase.Pending);
        assertThat(pending.getStatus().getConditions()).filteredOn(c -> c.getType().equals(Names.CONDITION_SCHEDULED))
                .singleElement().satisfies(c -> assertThat(c.getMessage()).contains("kvm"));
    }
}
