package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.runtime.BuilderRuntime;
import dev.nixpool.runtime.LiveBuilder;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;

/**
 * Builder capacity that follows demand, end to end (issue #9): the operator as its own process, builder pods run by the
 * builder runtime with real sshd and Nix. A warm pool serves a build without a pod start, a reusable builder keeps its
 * store (and the operator its SSH connection) for the next build and runs maxJobs builds at once, an idle pool goes to zero pods and comes back, and a pod no
 * node can take says so and ends its build cleanly. One cluster, one namespace and one pool (named {@code pool}) per
 * scenario; timeouts are short so that the class stays well under two minutes.
 */
class WarmPoolScenarioIT {

    private static final String POOL = "pool";

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("warm-pool", 100, 119);

    private final KubernetesClient client = CLUSTER.client();

    @Test
    void aWarmPoolServesABuildOnItsIdleBuilderWithoutStartingAPod() {
        String ns = "warm";
        ScenarioFixture.createNamespace(client, ns);
        try (PodCensus census = new PodCensus(client, ns)) {
            createPool(ns, spec -> spec.setMinIdle(1));
            await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
                assertThat(idleBuilders(ns)).isEqualTo(1);
                assertThat(census.alive()).as("pod events " + census.events()).hasSize(1);
                assertThat(census.everReady()).containsAll(census.alive());
            });
            String warm = census.alive().iterator().next();
            Set<String> before = census.seen();

            client.resource(ScenarioFixture.shellBuild(ns, "served", "served-" + System.nanoTime(),
                    "echo served > $out")).create();
            NixBuild done = ScenarioFixture.awaitFinished(client, ns, "served");

            String summary = ScenarioFixture.describe(done);
            assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Succeeded);
            assertThat(done.getStatus().getBuilder()).as("the warm builder: " + summary).isEqualTo(warm);
            assertThat(done.getStatus().getAttempts()).as(summary).isEqualTo(1);
            assertThat(ScenarioFixture.events(client, ns, "NixBuild", "served", Reason.BUILDER_CREATED))
                    .as("the build started no builder").isEmpty();
            // the pool replaces the warm builder the build took (minIdle); those are the only pods since, and none was
            // started for the build (a builder a build starts carries the build's label from its creation)
            await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
                Set<String> since = new HashSet<>(census.seen());
                since.removeAll(before);
                assertThat(since).as("pod events " + census.events()).hasSize(1);
                String replacement = since.iterator().next();
                assertThat(census.labelsWhenAdded(replacement)).doesNotContainKey(Names.LABEL_BUILD);
                assertThat(ScenarioFixture.events(client, ns, "BuildMachine", POOL, Reason.SCALED_UP))
                        .extracting(Event::getMessage).anySatisfy(m -> assertThat(m).contains(replacement));
                assertThat(idleBuilders(ns)).isEqualTo(1);
            });
            assertThat(census.max()).as("the warm builder and its replacement at most; pod events " + census.events())
                    .isLessThanOrEqualTo(2);
            assertThat(census.problems()).isEmpty();
        }
    }

    @Test
    void aReusableBuilderServesTwoBuildsInARowAndTheSecondFindsTheSharedInputValid() throws Exception {
        String ns = "reuse";
        ScenarioFixture.createNamespace(client, ns);
        String run = Long.toString(System.nanoTime());
        String dep = ScenarioFixture.shellDerivation("reuse-dep-" + run,
                "echo reuse-dep-built-" + run + " >&2; echo " + run + " > $out");
        String depOut;
        try (LocalNixStore local = LocalNixStore.create("reuse-dep")) {
            depOut = local.runOk("nix-store", "--query", "--outputs", local.instantiate("dep", dep).toString());
        }
        try (PodCensus census = new PodCensus(client, ns)) {
            // room for a second builder: the second build is given the first one because it is idle and Ready
            createPool(ns, spec -> {
                spec.setEphemeral(false);
                spec.setMaxBuilders(2);
            });
            client.resource(ScenarioFixture.expressionBuild(ns, "first", usingInput(dep, "reuse-first-" + run)))
                    .create();
            NixBuild first = ScenarioFixture.awaitFinished(client, ns, "first");
            assertThat(first.getStatus().getPhase()).as(ScenarioFixture.describe(first))
                    .isEqualTo(NixBuildPhase.Succeeded);
            LiveBuilder builder = ScenarioFixture.liveBuilders(CLUSTER.cluster(), ns, first.getStatus().getBuilder())
                    .get(0);
            Path input = builder.storeDir().resolve(Path.of(depOut).getFileName().toString());
            assertThat(input).as("the input, built into the builder's own store").hasContent(run);
            client.resource(ScenarioFixture.expressionBuild(ns, "second", usingInput(dep, "reuse-second-" + run)))
                    .create();
            NixBuild second = ScenarioFixture.awaitFinished(client, ns, "second");
            assertThat(second.getStatus().getPhase()).as(ScenarioFixture.describe(second))
                    .isEqualTo(NixBuildPhase.Succeeded);

            assertThat(second.getStatus().getBuilder()).as("the same builder pod").isEqualTo(first.getStatus()
                    .getBuilder());
            assertThat(census.seen()).as("one builder pod; pod events " + census.events()).hasSize(1);
            String firstLog = ScenarioFixture.buildLog(CLUSTER.cluster(), ns, "first", 1);
            String secondLog = ScenarioFixture.buildLog(CLUSTER.cluster(), ns, "second", 1);
            // Nix 2.8's nix-store --serve prints no "building '...drv'" line for the inputs it builds (BuildPaths), but
            // what the input's builder writes to stderr reaches the build log: it shows the input being built
            assertThat(firstLog).as("the first build built the input").contains("reuse-dep-built-" + run)
                    .contains("[nixpool] Nix says: Built");
            assertThat(secondLog).as("the second found the input valid in the builder's store")
                    .doesNotContain("reuse-dep-built-" + run).contains("[nixpool] Nix says: Built");
            assertThat(input).as("the same input, not built again").hasContent(run);
            // the operator kept its SSH connection to the builder between the builds: one login in all, counted by the
            // builder's own sshd (a real Nix client logs in once per build)
            assertThat(ScenarioFixture.liveBuilders(CLUSTER.cluster(), ns, first.getStatus().getBuilder()).get(0)
                    .sshLogins()).as("logins the builder's sshd accepted for two builds").isOne();
            assertThat(secondLog).contains("[nixpool] on the operator's kept connection to the builder");
            assertThat(client.pods().inNamespace(ns).withName(first.getStatus().getBuilder()).get())
                    .as("a reusable builder stays for the next build").isNotNull();
            assertThat(census.problems()).isEmpty();
        }
    }

    @Test
    void maxJobsTwoRunsTwoBuildsAtOnceOnOneReusableBuilder() {
        String ns = "jobs";
        ScenarioFixture.createNamespace(client, ns);
        try (PodCensus census = new PodCensus(client, ns)) {
            createPool(ns, spec -> {
                spec.setEphemeral(false);
                spec.setMaxJobs(2);
                spec.setMaxBuilders(2);
            });
            String run = Long.toString(System.nanoTime());
            List<String> names = List.of("left", "right");
            // both builds hold until the test has seen them Building together: no race with a build's duration
            Path gate = Path.of(System.getProperty("java.io.tmpdir"), "nixpool-jobs-gate-" + run);
            for (String name : names) {
                client.resource(ScenarioFixture.shellBuild(ns, name, name + "-" + run,
                        ScenarioFixture.waitForFile(gate, 120) + "; echo " + name + " > $out")).create();
            }
            await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(100))
                    .failFast("a build ended before both were Building", () -> names.forEach(n -> notFinal(ns, n)))
                    .until(() -> {
                        List<NixBuild> builds = names.stream().map(n -> ScenarioFixture.get(client, ns, n)).toList();
                        return builds.stream().allMatch(b -> b.getStatus() != null
                                && b.getStatus().getPhase() == NixBuildPhase.Building)
                                && builds.get(0).getStatus().getBuilder()
                                        .equals(builds.get(1).getStatus().getBuilder());
                    });
            try {
                Files.createFile(gate);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (String name : names) {
                NixBuild done = ScenarioFixture.awaitFinished(client, ns, name);
                assertThat(done.getStatus().getPhase()).as(ScenarioFixture.describe(done))
                        .isEqualTo(NixBuildPhase.Succeeded);
                assertThat(done.getStatus().getAttempts()).as(ScenarioFixture.describe(done)).isEqualTo(1);
            }
            assertThat(census.seen()).as("one builder pod ever; pod events " + census.events()).hasSize(1);
            assertThat(census.problems()).isEmpty();
        }
    }

    @Test
    void anIdlePoolGoesToZeroPodsAndComesBackForTheNextBuild() {
        String ns = "zero";
        ScenarioFixture.createNamespace(client, ns);
        try (PodCensus census = new PodCensus(client, ns)) {
            createPool(ns, spec -> {
                spec.setEphemeral(false);
                spec.setMinIdle(0);
                spec.setIdleTimeoutSeconds(2L);
            });
            String run = Long.toString(System.nanoTime());
            client.resource(ScenarioFixture.shellBuild(ns, "before", "before-" + run, "echo > $out")).create();
            NixBuild before = ScenarioFixture.awaitFinished(client, ns, "before");
            assertThat(before.getStatus().getPhase()).as(ScenarioFixture.describe(before))
                    .isEqualTo(NixBuildPhase.Succeeded);
            String firstBuilder = before.getStatus().getBuilder();

            await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
                assertThat(census.alive()).as("pod events " + census.events()).isEmpty();
                assertThat(client.pods().inNamespace(ns).withLabels(BuilderRuntime.BUILDER_POD_LABELS).list()
                        .getItems()).isEmpty();
                assertThat(ScenarioFixture.events(client, ns, "BuildMachine", POOL, Reason.SCALED_DOWN))
                        .extracting(Event::getMessage).anySatisfy(m -> assertThat(m).contains(firstBuilder)
                                .contains("idleTimeoutSeconds"));
                assertThat(pool(ns).getStatus().getBuilders()).isZero();
            });

            client.resource(ScenarioFixture.shellBuild(ns, "after", "after-" + run, "echo > $out")).create();
            NixBuild after = ScenarioFixture.awaitFinished(client, ns, "after");
            assertThat(after.getStatus().getPhase()).as(ScenarioFixture.describe(after))
                    .isEqualTo(NixBuildPhase.Succeeded);
            assertThat(after.getStatus().getBuilder()).as("a new builder").isNotEqualTo(firstBuilder);
            assertThat(census.seen()).as("pod events " + census.events()).containsExactlyInAnyOrder(firstBuilder,
                    after.getStatus().getBuilder());
            assertThat(census.problems()).isEmpty();
        }
    }

    /**
     * The builder runtime plays a node with labels and leaves a pod whose node selector it does not match Pending with
     * PodScheduled=False (Unschedulable) and the scheduler's message, as kube-scheduler does.
     */
    @Test
    void aPodNoNodeCanTakeExplainsItselfAndTimesOutCleanly() {
        String ns = "nowhere";
        ScenarioFixture.createNamespace(client, ns);
        try (PodCensus census = new PodCensus(client, ns)) {
            createPool(ns, spec -> {
                spec.getTemplate().getNodeSelector().put("example.com/nowhere", "true");
                spec.setBuilderStartTimeoutSeconds(5L);
            });
            NixBuild build = ScenarioFixture.shellBuild(ns, "stranded", "stranded-" + System.nanoTime(),
                    "echo > $out");
            build.getSpec().setRetries(0);
            client.resource(build).create();

            await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(100))
                    .failFast("the build ended before it said why its builder is not Ready",
                            () -> notFinal(ns, "stranded"))
                    .untilAsserted(() -> {
                        NixBuild waiting = ScenarioFixture.get(client, ns, "stranded");
                        assertThat(waiting.getStatus()).as(ScenarioFixture.describe(waiting)).isNotNull();
                        assertThat(condition(waiting, Names.CONDITION_BUILDER_READY))
                                .as(ScenarioFixture.describe(waiting))
                                .satisfies(c -> {
                                    assertThat(c.getStatus()).isEqualTo("False");
                                    assertThat(c.getReason()).isEqualTo(Reason.BUILDER_NOT_READY.value());
                                    assertThat(c.getMessage()).contains("Unschedulable")
                                            .contains("didn't match Pod's node affinity/selector");
                                });
                    });

            NixBuild done = ScenarioFixture.awaitFinished(client, ns, "stranded");
            String summary = ScenarioFixture.describe(done);
            assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Failed);
            assertThat(done.getStatus().getAttempts()).as(summary).isEqualTo(1);
            assertThat(condition(done, Names.CONDITION_SUCCEEDED)).as(summary).satisfies(c -> {
                assertThat(c.getReason()).isEqualTo(Reason.BUILDER_LOST.value());
                assertThat(c.getMessage()).contains("builderStartTimeoutSeconds")
                        .contains("didn't match Pod's node affinity/selector");
            });
            await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
                assertThat(client.pods().inNamespace(ns).list().getItems()).as("pods").isEmpty();
                assertThat(client.secrets().inNamespace(ns).withLabels(BuilderRuntime.BUILDER_POD_LABELS).list()
                        .getItems()).as("key Secrets").isEmpty();
            });
            assertThat(census.seen()).as("pod events " + census.events()).hasSize(1);
            assertThat(census.everReady()).as("no node took the pod").isEmpty();
            assertThat(census.problems()).isEmpty();
        }
    }

    /** A pool for plain x86_64-linux builds, named {@value #POOL}, with what a scenario changes. */
    private void createPool(String ns, Consumer<BuildMachineSpec> changes) {
        BuildMachine machine = TestResources.machine(ns, POOL, 3, List.of("x86_64-linux"), List.of(), List.of());
        changes.accept(machine.getSpec());
        client.resource(machine).create();
    }

    private BuildMachine pool(String ns) {
        return client.resources(BuildMachine.class).inNamespace(ns).withName(POOL).get();
    }

    private int idleBuilders(String ns) {
        BuildMachine machine = pool(ns);
        return machine.getStatus() != null && machine.getStatus().getIdleBuilders() != null
                ? machine.getStatus().getIdleBuilders()
                : 0;
    }

    /** A derivation that reads the output of {@code input} (a derivation expression): {@code input} is built first. */
    private static String usingInput(String input, String name) {
        return """
                let input = %s;
                in derivation {
                  name = "%s";
                  system = "x86_64-linux";
                  builder = "/bin/bash";
                  args = [ "-c" "read value < ${input}; echo $value > $out" ];
                }
                """.formatted(input.strip(), name);
    }

    private void notFinal(String ns, String name) {
        NixBuild build = ScenarioFixture.get(client, ns, name);
        assertThat(build.getStatus() == null || build.getStatus().getPhase() == null
                || !build.getStatus().getPhase().isFinal()).as(ScenarioFixture.describe(build)).isTrue();
    }

    private static Condition condition(NixBuild build, String type) {
        return Conditions.find(build.getStatus().getConditions(), type).orElseThrow(
                () -> new AssertionError("no " + type + " condition: " + ScenarioFixture.describe(build)));
    }
}
