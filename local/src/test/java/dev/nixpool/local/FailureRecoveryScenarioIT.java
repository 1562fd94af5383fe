package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.runtime.LiveBuilder;

/**
 * Builds that lose their builder, their operator or themselves in the middle: a crashed builder pod is retried on a
 * fresh one, an operator restart does not double the builder, and a deleted build leaves nothing running.
 */
class FailureRecoveryScenarioIT {

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("failure-recovery", 150, 169);

    @Test
    void builderKilledMidBuildIsRetriedOnAFreshBuilder() {
        String ns = "crash";
        prepare(ns);
        createSlowBuild(ns, "crashy", 8);

        LiveBuilder first = awaitBuilding(ns, "crashy");
        CLUSTER.cluster().runtime().killAbruptly(ns, first.name());

        NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "crashy");
        String summary = ScenarioFixture.describe(done);
        assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Succeeded);
        assertThat(done.getStatus().getAttempts()).as(summary).isEqualTo(2);
        assertThat(done.getStatus().getBuilder()).as(summary).isNotEqualTo(first.name());
        assertThat(done.getStatus().getOutputs()).singleElement()
                .satisfies(out -> assertThat(out.getPath()).contains("-crashy-"));
    }

    @Test
    void operatorRestartMidBuildFinishesTheBuildWithNeverTwoBuilders() {
        String ns = "restart";
        prepare(ns);
        try (PodCensus census = new PodCensus(CLUSTER.client(), ns)) {
            createSlowBuild(ns, "steady", 12);
            awaitBuilding(ns, "steady");
            CLUSTER.cluster().operator().restart();

            NixBuild done = ScenarioFixture.awaitFinished(CLUSTER.client(), ns, "steady");
            String summary = ScenarioFixture.describe(done);
            assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Succeeded);
            assertThat(census.maxFor("steady")).as("builder pods at once; pod events " + census.events())
                    .isEqualTo(1);
        }
    }

    @Test
    void buildDeletedMidBuildLeavesNoPodSecretOrProcess() {
        String ns = "delete";
        prepare(ns);
        createSlowBuild(ns, "doomed", 300);
        LiveBuilder builder = awaitBuilding(ns, "doomed");
        await().atMost(ScenarioFixture.WAIT).until(() -> remoteNixProcess(ns, "doomed").isPresent());
        ProcessHandle remote = remoteNixProcess(ns, "doomed").orElseThrow();
        List<Long> pids = builder.processIds();
        String secretName = Names.keySecretName(builder.name());

        CLUSTER.client().resources(NixBuild.class).inNamespace(ns).withName("doomed").delete();

        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(ScenarioFixture.get(CLUSTER.client(), ns, "doomed")).as("the NixBuild").isNull();
            assertThat(remote.isAlive()).as("the remote nix-store --serve").isFalse();
            assertThat(CLUSTER.client().pods().inNamespace(ns).withName(builder.name()).get()).as("builder pod")
                    .isNull();
            assertThat(CLUSTER.client().secrets().inNamespace(ns).withName(secretName).get()).as("the key Secret")
                    .isNull();
            assertThat(ScenarioFixture.liveBuilders(CLUSTER.cluster(), ns, builder.name())).as("live builders")
                    .isEmpty();
            assertThat(pids.stream().map(ProcessHandle::of).flatMap(Optional::stream).filter(ProcessHandle::isAlive))
                    .as("processes of the builder pod").isEmpty();
            assertThat(ScenarioFixture.pgrep(builder.stateDir().toString())).as("sshd of the builder").isEmpty();
            assertThat(builder.podDir()).doesNotExist();
        });
    }

    /**
     * 24 builds on a pool of three ephemeral builders, deleted (every other one, then the rest) while three run, some
     * are placed on builders still starting and the others wait: every NixBuild goes, with its builder pod and key
     * Secret, and the pool's three builders are free again: three new builds run at once.
     */
    @Test
    void manyBuildsDeletedWhileBeingScheduledLeaveNothingBehindAndThePoolWhole() {
        String ns = "mass-delete";
        KubernetesClient client = CLUSTER.client();
        ScenarioFixture.createNamespace(client, ns);
        BuildMachine pool = ScenarioFixture.example(client, BuildMachine.class, "buildmachine-default.yaml", ns);
        pool.getSpec().setMaxBuilders(3);
        client.resource(pool).create();
        Set<String> secretsBefore = secretNames(ns);
        List<String> names = IntStream.range(0, 24).mapToObj(i -> "many-" + i).toList();
        names.forEach(name -> createSlowBuild(ns, name, 300));
        await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            Map<NixBuildPhase, Long> phases = phases(ns);
            return phases.getOrDefault(NixBuildPhase.Building, 0L) >= 1
                    && phases.getOrDefault(NixBuildPhase.Pending, 0L) >= 1;
        });

        for (int i = 0; i < names.size(); i += 2) {
            client.resources(NixBuild.class).inNamespace(ns).withName(names.get(i)).delete();
        }
        // the builders the first half gave back go to waiting builds of the second half meanwhile
        for (int i = 1; i < names.size(); i += 2) {
            client.resources(NixBuild.class).inNamespace(ns).withName(names.get(i)).delete();
        }

        await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(client.resources(NixBuild.class).inNamespace(ns).list().getItems())
                    .as("NixBuilds left").extracting(b -> b.getMetadata().getName()).isEmpty();
            assertThat(client.pods().inNamespace(ns).list().getItems()).as("builder pods left")
                    .extracting(p -> p.getMetadata().getName()).isEmpty();
            assertThat(secretNames(ns)).as("Secrets").isEqualTo(secretsBefore);
        });

        List<String> after = List.of("after-0", "after-1", "after-2");
        after.forEach(name -> createSlowBuild(ns, name, 300));
        await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(
                () -> assertThat(phases(ns)).as("the pool's three builders run three new builds at once")
                        .containsEntry(NixBuildPhase.Building, 3L));
        after.forEach(name -> client.resources(NixBuild.class).inNamespace(ns).withName(name).delete());
    }

    private static Map<NixBuildPhase, Long> phases(String ns) {
        return CLUSTER.client().resources(NixBuild.class).inNamespace(ns).list().getItems().stream()
                .filter(b -> b.getStatus() != null && b.getStatus().getPhase() != null)
                .collect(Collectors.groupingBy(b -> b.getStatus().getPhase(), Collectors.counting()));
    }

    private static Set<String> secretNames(String ns) {
        return CLUSTER.client().secrets().inNamespace(ns).list().getItems().stream()
                .map(secret -> secret.getMetadata().getName()).collect(Collectors.toSet());
    }

    private static void prepare(String ns) {
        ScenarioFixture.namespaceWithPool(CLUSTER.client(), ns, "buildmachine-default.yaml");
    }

    /** A build that takes {@code seconds} on its builder; its derivation is named after it, made unique. */
    private static void createSlowBuild(String ns, String name, int seconds) {
        CLUSTER.client().resource(ScenarioFixture.shellBuild(ns, name, name + "-" + System.nanoTime(),
                ScenarioFixture.waitSeconds(seconds) + "; echo " + name + " > $out")).create();
    }

    /** Waits until the build runs on its builder (phase Building, derivation known) and returns that builder. */
    private static LiveBuilder awaitBuilding(String ns, String name) {
        await().atMost(ScenarioFixture.WAIT).until(() -> {
            NixBuild build = ScenarioFixture.get(CLUSTER.client(), ns, name);
            return build.getStatus() != null && build.getStatus().getPhase() == NixBuildPhase.Building
                    && build.getStatus().getDerivation() != null && !ScenarioFixture.liveBuilders(CLUSTER.cluster(),
                            ns, build.getStatus().getBuilder()).isEmpty();
        });
        return ScenarioFixture.liveBuilders(CLUSTER.cluster(), ns,
                ScenarioFixture.builderOf(CLUSTER.client(), ns, name)).get(0);
    }

    /** The {@code nix-store --serve} the operator's session runs on the build's builder, now. */
    private static Optional<ProcessHandle> remoteNixProcess(String ns, String build) {
        return ScenarioFixture.liveBuilders(CLUSTER.cluster(), ns, ScenarioFixture.builderOf(CLUSTER.client(), ns,
                build)).stream().flatMap(b -> b.processIds().stream())
                .map(ProcessHandle::of).flatMap(Optional::stream)
                .filter(p -> commandLine(p).contains("nix-store --serve"))
                .findFirst();
    }

    /** From /proc: ProcessHandle.Info has no command line for a process whose executable lies in another mount namespace. */
    private static String commandLine(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
