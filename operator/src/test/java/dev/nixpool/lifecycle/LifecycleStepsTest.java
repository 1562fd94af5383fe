package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.MockApiServer;
import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.reconcile.KubernetesBuilderResources;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.FakeBuilder;
import dev.nixpool.runner.RunnerExecutorProducer;
import dev.nixpool.runner.RunnerExecutors;
import dev.nixpool.status.Conditions;

/**
 * The lifecycle's decisions, step by step: the real steps, provisioner and runner against the Fabric8 mock API server
 * (CRUD), with a test double of the builder connection so that each outcome of a session can be chosen. The reconciler
 * is left out: each {@link #reconcile()} runs the lifecycle once on a working copy of the status, as it would.
 */
class LifecycleStepsTest {

    private static final String NS = "steps";
    private static final String X86 = "x86_64-linux";

    @TempDir
    Path logDir;

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();
    private final FakeBuilder builder = new FakeBuilder();
    private final ExecutorService executor = RunnerExecutorProducer.threads(2);
    private BuildRunner runner;
    private NixBuildLifecycle lifecycle;
    private LifecycleAssembly assembly;
    private BuildMachine machine;
    private NixBuild build;
    private NixBuildStatus status;
    private final List<StepContext.PendingEvent> events = new ArrayList<>();
    private Instant now = Instant.now();
    private LogStore logs;
    private NixpoolConfig config;

    private void wire(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(Map.of("nixpool.builder.ssh-user", "root",
                "nixpool.retry.initial-backoff", "2s"));
        all.putAll(settings);
        config = TestConfig.nixpool(all);
        logs = new LogStore(logDir, 1_000_000);
        runner = new BuildRunner(builder, logs, executor);
        assemble();
        machine = client.resource(TestResources.machine(NS, "pool", 2, List.of(X86), List.of(), List.of())).create();
        NixBuild fresh = TestResources.build(NS, "hello", X86, List.of());
        fresh.getSpec().setDerivation(null);
        fresh.getSpec().setExpression("derivation { }");
        fresh.getSpec().setRetries(1);
        fresh.getMetadata().setUid(UUID.randomUUID().toString());
        fresh.getMetadata().setGeneration(1L);
        fresh.getMetadata().setCreationTimestamp(Conditions.timestamp(now));
        build = fresh;
        status = new NixBuildStatus();
    }

    /** The lifecycle around the current runner (a restarted operator gets a new one, and all in-memory state anew). */
    private void assemble() {
        assembly = new LifecycleAssembly(new KubernetesBuilderResources(client), runner, logs, config);
        lifecycle = assembly.lifecycle;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (runner != null) {
            runner.close();
        }
        RunnerExecutors.stop(executor);
    }

    private StepOutcome reconcile() {
        StepContext context = new StepContext(build, status, view(), now);
        StepOutcome outcome = lifecycle.run(context);
        events.addAll(context.events());
        return outcome;
    }

    /** The informer caches as the mock server holds the objects: the pools, pods and this build's hold. */
    private ClusterView view() {
        return new ClusterView() {
            @Override
            public ClusterSnapshot snapshot(String namespace) {
                Map<String, ClusterSnapshot.Claim> claims = new HashMap<>();
                if (!Transitions.phaseOf(status).isFinal() && status.getMachine() != null) {
                    claims.put(SchedulingInputs.key(build),
                            new ClusterSnapshot.Claim(status.getMachine(), status.getBuilder()));
                }
                return new ClusterSnapshot(client.resources(BuildMachine.class).inNamespace(NS).list().getItems(),
                        claims, client.pods().inNamespace(namespace).list().getItems(), Set.of(), List.of());
            }

            @Override
            public Optional<Pod> builderPod(String namespace, String name) {
                return Optional.ofNullable(client.pods().inNamespace(namespace).withName(name).get());
            }
        };
    }

    /** Reconciles until the phase is reached, as requeues would. */
    private void reconcileUntil(NixBuildPhase phase) {
        await().atMost(FakeBuilder.SETTLE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            reconcile();
            assertThat(status.getPhase()).as(() -> "phase, with conditions " + status.getConditions().stream()
                    .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason() + ": " + c.getMessage())
                    .toList()).isEqualTo(phase);
        });
    }

    private void podBecomesReady(String podName) {
        Pod pod = client.pods().inNamespace(NS).withName(podName).get();
        pod.setStatus(new PodStatusBuilder().withPhase("Running").withPodIP("127.0.0.77")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .build());
        client.pods().inNamespace(NS).resource(pod).updateStatus();
    }

    private Condition condition(String type) {
        return Conditions.find(status.getConditions(), type).orElseThrow();
    }

    private List<String> eventReasons() {
        return events.stream().map(e -> e.reason().value()).toList();
    }

    @Test
    void aBuildConnectsBuildsSucceedsAndItsBuilderIsDeleted() {
        wire(Map.of());
        // held in build() so that Building is seen (a finished run ends the build in the reconcile that reads it)
        builder.buildGate = new CountDownLatch(1);
        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Scheduled);
        reconcile();
        assertThat(builder.opened).as("no connection before the pod is Ready").isEmpty();
        podBecomesReady("pool-0-s1");
        assertThat(reconcile().requeueAfter()).as("dispatched: the run's events wake the build, not a poll")
                .contains(Duration.ofSeconds(30));

        reconcileUntil(NixBuildPhase.Building);
        assertThat(condition(Names.CONDITION_BUILDER_READY)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Connected");
            assertThat(c.getMessage()).isEqualTo(
                    "connected to builder pod pool-0-s1: serve protocol 2.7, host key SHA256:fake");
        });
        assertThat(builder.opened).singleElement().satisfies(address -> {
            assertThat(address.host()).isEqualTo("127.0.0.77");
            assertThat(address.port()).isEqualTo(2222);
            assertThat(address.user()).isEqualTo("root");
        });

        builder.buildGate.countDown();
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(status.getDerivation()).isEqualTo(FakeBuilder.DRV);
        assertThat(status.getBuildStatus()).isEqualTo("Built");
        assertThat(status.getOutputs()).singleElement()
                .satisfies(o -> assertThat(o.getPath()).isEqualTo(FakeBuilder.OUT));
        assertThat(status.getCompletionTime()).isNotNull();
        assertThat(status.getLogTail()).endsWith("error: last line of the build\n[nixpool] Nix says: Built")
                .doesNotContain("\u001B");
        assertThat(condition(Names.CONDITION_SUCCEEDED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Built");
        });
        assertThat(eventReasons()).contains("Scheduled", "BuilderCreated", "Connected", "Built");
        assertThat(client.pods().inNamespace(NS).list().getItems()).as("deleted in the reconcile that ended it")
                .isEmpty();
        assertThat(client.secrets().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(runner.size()).isZero();
        assertThat(reconcile().requeueAfter()).as("a finished build waits for nothing").isEmpty();
    }

    @Test
    void aHostKeyMismatchFailsTheBuildWithoutRetry() {
        wire(Map.of());
        builder.connectFailure = FakeBuilder.failure(BuilderFailure.HOST_KEY_MISMATCH,
                "root@127.0.0.77:2222 presented host key SHA256:b, expected SHA256:a");
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Failed);
        assertThat(status.getAttempts()).isEqualTo(1);
        assertThat(condition(Names.CONDITION_BUILDER_READY).getReason()).isEqualTo("HostKeyMismatch");
        assertThat(condition(Names.CONDITION_SUCCEEDED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("HostKeyMismatch");
            assertThat(c.getMessage()).contains("expected SHA256:a");
        });
        reconcile();
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void keepFailedKeepsAFailedBuildsBuilder() {
        wire(Map.of("nixpool.builder.keep-failed", "true"));
        builder.result = new BuildResult(BuildStatus.PERMANENT_FAILURE,
                "\u001B[31;1merror:\u001B[0m builder for '" + FakeBuilder.DRV + "' failed with exit code 1", 1, false,
                0, 0, Map.of());
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Failed);
        assertThat(status.getBuildStatus()).isEqualTo("PermanentFailure");
        assertThat(condition(Names.CONDITION_SUCCEEDED)).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("PermanentFailure");
            assertThat(c.getMessage()).isEqualTo("Nix: PermanentFailure: error: builder for '" + FakeBuilder.DRV
                    + "' failed with exit code 1");
        });
        reconcile();
        assertThat(client.pods().inNamespace(NS).withName("pool-0-s1").get()).isNotNull();
        assertThat(client.secrets().inNamespace(NS).withName("pool-0-s1-ssh").get()).isNotNull();
    }

    @Test
    void aLostBuilderGetsAFreshOneAfterABackoffThenTheBuildFailsWhenRetriesAreUsedUp() {
        wire(Map.of());
        builder.buildGate = new CountDownLatch(1);
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Building);

        client.pods().inNamespace(NS).withName("pool-0-s1").delete();
        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Pending);
        assertThat(status.getAttempts()).isEqualTo(2);
        assertThat(condition(Names.CONDITION_BUILDER_READY)).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("BuilderLost");
            assertThat(c.getMessage()).isEqualTo("builder pod pool-0-s1 no longer exists; attempt 2 of 2 starts"
                    + " on a fresh builder in 2.0s");
        });
        assertThat(condition(Names.CONDITION_SCHEDULED)).as("no longer assigned during the backoff").satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("Retrying");
        });
        assertThat(status.getMachine()).isNull();
        assertThat(client.secrets().inNamespace(NS).withName("pool-0-s1-ssh").get()).isNull();
        await().atMost(FakeBuilder.WAIT).until(() -> builder.closed.get() > 0);

        assertThat(reconcile().requeueAfter()).hasValueSatisfying(
                d -> assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2)));
        assertThat(status.getPhase()).as("still in its backoff").isEqualTo(NixBuildPhase.Pending);
        now = now.plusSeconds(3);
        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Scheduled);
        assertThat(status.getBuilder()).isEqualTo("pool-0-s2");
        assertThat(client.pods().inNamespace(NS).list().getItems()).extracting(p -> p.getMetadata().getName())
                .containsExactly("pool-0-s2");

        builder.buildGate = null;
        builder.connectFailure = FakeBuilder.failure(BuilderFailure.UNREACHABLE, "connection refused");
        podBecomesReady("pool-0-s2");
        reconcileUntil(NixBuildPhase.Failed);
        assertThat(condition(Names.CONDITION_SUCCEEDED)).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("BuilderLost");
            assertThat(c.getMessage()).isEqualTo("connection refused; no retries left (2 of 2 attempts used)");
        });
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }

    /**
     * Builds share a starting reusable builder (maxJobs 2), so a build may look for the pod before the build that
     * decided to start it has created it (its key Secret comes first). Not there yet is not lost: the build waits for the
     * pod and connects once it is Ready, on its first attempt.
     */
    @Test
    void aBuildSharingAStartingBuilderWaitsForItsCreationInsteadOfLosingIt() {
        wire(Map.of());
        machine.getSpec().setEphemeral(false);
        machine.getSpec().setMaxJobs(2);
        machine = client.resource(machine).update();
        NixBuild creator = TestResources.build(NS, "creator", X86, List.of());
        creator.getMetadata().setCreationTimestamp(Conditions.timestamp(now));
        CapacityLedger.Placement decided = assembly.ledger.place(SchedulingInputs.request(creator),
                view().snapshot(NS), now);
        assertThat(decided.newSlot()).as("the creator starts a builder").isEqualTo(0);

        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Scheduled);
        assertThat(status.getBuilder()).as("the starting builder, shared").isEqualTo(decided.pod());
        reconcile();
        assertThat(status.getPhase()).as("still waiting, not lost").isEqualTo(NixBuildPhase.Scheduled);
        assertThat(status.getAttempts()).isEqualTo(1);
        assertThat(condition(Names.CONDITION_BUILDER_READY)).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("WaitingForBuilder");
            assertThat(c.getMessage()).isEqualTo("waiting for builder pod " + decided.pod() + " to be created");
        });

        assembly.provisioner.create(machine, decided.pod(), decided.newSlot(), Map.of());
        assembly.ledger.createdNow(NS, decided.pod());
        podBecomesReady(decided.pod());
        reconcileUntil(NixBuildPhase.Building);
        assertThat(status.getAttempts()).isEqualTo(1);
        assertThat(client.pods().inNamespace(NS).list().getItems()).extracting(p -> p.getMetadata().getName())
                .containsExactly(decided.pod());
    }

    @Test
    void afterAnOperatorRestartTheAttemptContinuesOnItsReadyBuilder() {
        wire(Map.of());
        builder.buildGate = new CountDownLatch(1);
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Building);
        runner.close();
        // a new operator process: nothing in memory, the status and the pod are what is left
        runner = new BuildRunner(builder, logs, executor);
        assemble();
        builder.buildGate = null;

        reconcile();
        assertThat(eventReasons()).contains("Building");
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(status.getAttempts()).isEqualTo(1);
        assertThat(status.getBuilder()).as("the same builder").isEqualTo("pool-0-s1");
        assertThat(builder.opened).hasSize(2);
        assertThat(client.pods().inNamespace(NS).list().getItems()).as("deleted when the build ended").isEmpty();
    }

    @Test
    void theTimeoutCoversWaitingForTheBuilder() {
        wire(Map.of());
        build.getSpec().setTimeoutSeconds(60L);
        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Scheduled);
        assertThat(reconcile().requeueAfter()).hasValueSatisfying(
                d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(61)));
        now = now.plusSeconds(61);
        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Failed);
        assertThat(status.getBuildStatus()).isEqualTo("TimedOut");
        assertThat(condition(Names.CONDITION_SUCCEEDED)).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("TimedOut");
            assertThat(c.getMessage()).startsWith("the build did not finish within spec.timeoutSeconds (60s");
        });
        reconcile();
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }
}
