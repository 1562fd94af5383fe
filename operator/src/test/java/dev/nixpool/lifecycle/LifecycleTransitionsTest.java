package dev.nixpool.lifecycle;

import static dev.nixpool.api.v1alpha1.NixBuildPhase.Building;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Failed;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Pending;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Scheduled;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Succeeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;

import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.builder.BuilderPodRenderer;
import dev.nixpool.builder.KeySecretRenderer;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.FakeBuilder;
import dev.nixpool.runner.RunKey;
import dev.nixpool.runner.RunProgress;
import dev.nixpool.runner.RunnerExecutorProducer;
import dev.nixpool.runner.RunnerExecutors;
import dev.nixpool.status.Conditions;

/**
 * The NixBuild lifecycle as a table: a build brought to a phase, one observation (what the pod, the run, the clock or
 * the API server did), one reconcile, and the phase, conditions and Events that follow. No server: the cluster is
 * {@link InMemoryBuilderResources}, the builder a {@link FakeBuilder}, the clock a fixed instant moved by hand.
 */
class LifecycleTransitionsTest {

    private static final String NS = "table";
    private static final String X86 = "x86_64-linux";
    private static final String POD = "pool-0-s1";
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path logDir;

    final InMemoryBuilderResources resources = new InMemoryBuilderResources();
    final FakeBuilder builder = new FakeBuilder();
    final Map<String, String> otherBuilders = new HashMap<>();
    final List<StepContext.PendingEvent> events = new ArrayList<>();
    NixpoolConfig config;
    LogStore logs;
    BuildRunner runner;
    LifecycleAssembly assembly;
    BuildMachine machine;
    NixBuild build;
    NixBuildStatus status = new NixBuildStatus();
    Instant now = T0;
    boolean positionsOverBudget;
    int firstPositionsShown;
    private final ExecutorService executor = RunnerExecutorProducer.threads(2);

    @BeforeEach
    void wire() {
        config = TestConfig.nixpool(Map.of("nixpool.builder.ssh-user", "root", "nixpool.retry.initial-backoff", "2s"));
        logs = new LogStore(logDir, 1_000_000);
        runner = new BuildRunner(builder, logs, executor);
        assembly = new LifecycleAssembly(resources, runner, logs, config);
        resources.createdAt(T0);
        machine = TestResources.machine(NS, "pool", 1, List.of(X86), List.of(), List.of());
        build = TestResources.build(NS, "hello", X86, List.of());
        build.getSpec().setDerivation(null);
        build.getSpec().setExpression("derivation { }");
        build.getSpec().setRetries(1);
        build.getMetadata().setUid(UUID.randomUUID().toString());
        build.getMetadata().setGeneration(1L);
        build.getMetadata().setCreationTimestamp(Conditions.timestamp(T0));
    }

    @AfterEach
    void stop() throws InterruptedException {
        runner.close();
        RunnerExecutors.stop(executor);
    }

    // the table

    static Stream<Row> rows() {
        return Stream.of(
                // Pending
                row("Pending, a pool with a free slot").given(Pending).then(Scheduled)
                        .conditions("Scheduled=True/Scheduled", "BuilderReady=False/WaitingForBuilder")
                        .events("Normal Scheduled", "Normal BuilderCreated")
                        .check(t -> assertThat(t.resources.created()).containsExactly("Secret/" + POD + "-ssh",
                                "Pod/" + POD))
                        .check(t -> assertThat(t.resources.pod(NS, POD).orElseThrow().getMetadata().getLabels())
                                .as("an ephemeral builder is marked as the build's").containsEntry(Names.LABEL_BUILD,
                                        "hello")),
                row("Pending, the pool is full").given(Pending)
                        .before(t -> t.otherBuilders.put("other-builder-1", "pool")).then(Pending)
                        .conditions("Scheduled=False/WaitingForCapacity").events("Warning WaitingForCapacity")
                        .check(t -> assertThat(t.status.getQueuePosition()).isEqualTo(1))
                        .check(t -> assertThat(t.firstPositionsShown).as("paid from the position budget")
                                .isEqualTo(1)),
                row("Pending, the pool is full, its position moved").given(Pending)
                        .before(t -> t.otherBuilders.put("other-builder-1", "pool"))
                        .when(t -> t.status.setQueuePosition(4)).then(Pending)
                        .conditions("Scheduled=False/WaitingForCapacity").events("Warning WaitingForCapacity")
                        .message("Scheduled", "position 1 in the queue")
                        .check(t -> assertThat(t.status.getQueuePosition()).isEqualTo(1))
                        .check(t -> assertThat(t.firstPositionsShown).as("not a first position").isZero()),
                row("Pending, the pool is full, its position moved, the namespace's position budget spent")
                        .given(Pending).before(t -> t.otherBuilders.put("other-builder-1", "pool"))
                        .when(t -> {
                            t.status.setQueuePosition(4);
                            t.positionsOverBudget = true;
                        }).then(Pending).conditions("Scheduled=False/WaitingForCapacity")
                        .events("Warning WaitingForCapacity")
                        .message("Scheduled", "position 4 in the queue")
                        .check(t -> assertThat(t.status.getQueuePosition()).as("the position it showed")
                                .isEqualTo(4)),
                row("Pending, the pool is full, a first position, the namespace's position budget spent")
                        .given(Pending).before(t -> t.otherBuilders.put("other-builder-1", "pool"))
                        .when(t -> t.positionsOverBudget = true).then(Pending)
                        .conditions("Scheduled=False/WaitingForCapacity").events("Warning WaitingForCapacity")
                        .check(t -> assertThat(t.status.getQueuePosition()).isEqualTo(1)),
                row("Pending, no pool can take it").given(Pending)
                        .before(t -> t.build.getSpec().setSystem("aarch64-linux")).then(Pending)
                        .conditions("Scheduled=False/Unschedulable").events("Warning Unschedulable"),
                row("Pending, invalid spec").given(Pending).before(t -> t.build.getSpec().setFlake("github:a/b#c"))
                        .then(Pending).conditions("Scheduled=False/InvalidSpec").events("Warning InvalidSpec")
                        .message("Scheduled", "exactly one of spec.derivation, spec.expression or spec.flake"),
                row("Pending, the API server refuses the pod (403)").given(Pending)
                        .before(t -> t.resources.refuseCreate("Pod", 403, "pods \"" + POD + "\" is forbidden:"
                                + " exceeded quota: builders, requested: pods=1, used: pods=10, limited: pods=10"))
                        .then(Failed)
                        .conditions("BuilderReady=False/BuilderRejected", "Succeeded=False/BuilderRejected")
                        .events("Warning BuilderRejected")
                        .message("Succeeded", "the API server refused to create Pod " + POD + " (HTTP 403):"
                                + " pods \"" + POD + "\" is forbidden: exceeded quota")
                        .check(t -> assertThat(t.resources.secret(NS, Names.keySecretName(POD)))
                                .as("the key Secret made for the refused pod").isEmpty())
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Pending, the API server refuses the key Secret (422)").given(Pending)
                        .before(t -> t.resources.refuseCreate("Secret", 422, "Secret \"" + POD + "-ssh\" is"
                                + " invalid: metadata.labels: Invalid value"))
                        .then(Failed).conditions("Succeeded=False/BuilderRejected").events("Warning BuilderRejected")
                        .message("Succeeded", "(HTTP 422): Secret \"" + POD + "-ssh\" is invalid")
                        .check(t -> assertThat(t.resources.created()).isEmpty())
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Pending, a lost builder's backoff is not over").given(Pending)
                        .when(t -> t.arriveAfterALostBuilder()).then(Pending)
                        .conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost").events(),
                row("Pending, a lost builder's backoff is over").given(Pending)
                        .when(t -> {
                            t.arriveAfterALostBuilder();
                            t.now = t.now.plusSeconds(3);
                        }).then(Scheduled).conditions("Scheduled=True/Scheduled")
                        .events("Normal Scheduled", "Normal BuilderCreated")
                        .check(t -> assertThat(t.status.getBuilder()).as("a fresh builder in the freed slot")
                                .isEqualTo("pool-0-s2")),
                row("Pending, an error the lifecycle cannot handle").given(Pending)
                        .failing(new IllegalStateException("boom")).then(Failed)
                        .conditions("Succeeded=False/InternalError").events("Warning InternalError")
                        .message("Succeeded", "could not handle an error in phase Pending:"
                                + " java.lang.IllegalStateException: boom"),

                // Scheduled
                row("Scheduled, the pod is not Ready yet").given(Scheduled).then(Scheduled)
                        .conditions("Scheduled=True/Scheduled", "BuilderReady=False/WaitingForBuilder").events(),
                row("Scheduled, the pod cannot be scheduled").given(Scheduled)
                        .when(t -> t.resources.changePod(NS, POD, pod -> pod.setStatus(new PodStatusBuilder()
                                .withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
                                .withReason("Unschedulable").withMessage("0/3 nodes are available: 3 node(s) didn't"
                                        + " match Pod's node affinity/selector.")
                                .endCondition().build())))
                        .then(Scheduled).conditions("BuilderReady=False/BuilderNotReady")
                        .events("Warning BuilderNotReady")
                        .message("BuilderReady", "builder pod " + POD + " cannot be scheduled (Unschedulable): 0/3"
                                + " nodes are available: 3 node(s) didn't match Pod's node affinity/selector."),
                row("Scheduled, the image cannot be pulled").given(Scheduled)
                        .when(t -> t.resources.changePod(NS, POD, pod -> pod.setStatus(new PodStatusBuilder()
                                .withPhase("Pending").addNewContainerStatus().withName("builder").withNewState()
                                .withNewWaiting().withReason("ImagePullBackOff")
                                .withMessage("Back-off pulling image \"nixpool/builder:nope\"").endWaiting()
                                .endState().endContainerStatus().build())))
                        .then(Scheduled).conditions("BuilderReady=False/BuilderNotReady")
                        .events("Warning BuilderNotReady")
                        .message("BuilderReady", "container builder is waiting (ImagePullBackOff): Back-off pulling"),
                row("Scheduled, the pod is not Ready past builderStartTimeoutSeconds").given(Scheduled)
                        .when(t -> t.now = t.now.plus(Duration.ofMinutes(11))).then(Pending)
                        .conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost")
                        .events("Warning BuilderLost")
                        .message("BuilderReady", "builder pod " + POD + " was not Ready within 600s"
                                + " (builderStartTimeoutSeconds)")
                        .check(LifecycleTransitionsTest::aFreshAttemptIsQueued),
                row("Scheduled, the pod is Ready without a pod IP").given(Scheduled)
                        .when(t -> t.resources.changePod(NS, POD, pod -> pod.setStatus(new PodStatusBuilder()
                                .withPhase("Running").addNewCondition().withType("Ready").withStatus("True")
                                .endCondition().build())))
                        .then(Scheduled).conditions("BuilderReady=False/WaitingForBuilder").events()
                        .message("BuilderReady", "is Ready but reports no pod IP yet"),
                row("Scheduled, the pod is Ready: the run is dispatched").given(Scheduled)
                        .when(t -> t.resources.podRunning(NS, POD, "10.0.0.7")).then(Scheduled)
                        .conditions("BuilderReady=False/WaitingForBuilder").events()
                        .message("BuilderReady", "connecting to 10.0.0.7 over SSH"),
                row("Scheduled, the key Secret is missing").given(Scheduled)
                        .when(t -> {
                            t.resources.deleteSecret(NS, Names.keySecretName(POD));
                            t.resources.podRunning(NS, POD, "10.0.0.7");
                        }).then(Pending)
                        .conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost")
                        .events("Warning BuilderLost")
                        .message("BuilderReady", "the key Secret of builder pod " + POD + " is missing")
                        .check(LifecycleTransitionsTest::aFreshAttemptIsQueued),
                row("Scheduled, the run connected").given(Scheduled)
                        .before(t -> t.builder.buildGate = new CountDownLatch(1))
                        .when(t -> t.runUntil(RunProgress::connected)).then(Building)
                        .conditions("BuilderReady=True/Connected").events("Normal Connected"),
                row("Scheduled, the builder presents another host key").given(Scheduled)
                        .when(t -> {
                            t.builder.connectFailure = FakeBuilder.failure(BuilderFailure.HOST_KEY_MISMATCH,
                                    "presented host key SHA256:b, expected SHA256:a");
                            t.runUntil(p -> p.result().isPresent());
                        }).then(Failed)
                        .conditions("BuilderReady=False/HostKeyMismatch", "Succeeded=False/HostKeyMismatch")
                        .events("Warning HostKeyMismatch").check(LifecycleTransitionsTest::slotReleased),
                row("Scheduled, the builder is unreachable").given(Scheduled)
                        .when(t -> {
                            t.builder.connectFailure = FakeBuilder.failure(BuilderFailure.UNREACHABLE, "refused");
                            t.runUntil(p -> p.result().isPresent());
                        }).then(Pending)
                        .conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost")
                        .events("Warning BuilderLost").check(LifecycleTransitionsTest::aFreshAttemptIsQueued),
                row("Scheduled, the pod vanished (lost builder)").given(Scheduled)
                        .when(t -> t.resources.deletePod(NS, POD)).then(Pending)
                        .conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost")
                        .events("Warning BuilderLost").check(LifecycleTransitionsTest::aFreshAttemptIsQueued),
                row("Scheduled, the timeout passed").given(Scheduled)
                        .before(t -> t.build.getSpec().setTimeoutSeconds(60L))
                        .when(t -> t.now = t.now.plusSeconds(61)).then(Failed)
                        .conditions("Succeeded=False/TimedOut").events("Warning TimedOut")
                        .check(t -> assertThat(t.status.getBuildStatus()).isEqualTo("TimedOut"))
                        .check(LifecycleTransitionsTest::slotReleased),

                // Building
                // the run reports its derivation after it connected, a moment later on a loaded machine
                row("Building, the run is still building").given(Building)
                        .when(t -> t.runUntil(p -> p.derivation() != null)).then(Building)
                        .conditions("Scheduled=True/Scheduled", "BuilderReady=True/Connected").events()
                        .check(t -> assertThat(t.status.getDerivation()).isEqualTo(FakeBuilder.DRV)),
                row("Building, Nix built it").given(Building).when(t -> t.finishRun()).then(Succeeded)
                        .conditions("Succeeded=True/Built").events("Normal Built")
                        .check(t -> assertThat(t.status.getOutputs()).singleElement()
                                .satisfies(o -> assertThat(o.getPath()).isEqualTo(FakeBuilder.OUT)))
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Building, Nix failed to build it").given(Building)
                        .when(t -> {
                            t.builder.result = new BuildResult(BuildStatus.PERMANENT_FAILURE, "builder failed", 1,
                                    false, 0, 0, Map.of());
                            t.finishRun();
                        }).then(Failed).conditions("Succeeded=False/PermanentFailure")
                        .events("Warning PermanentFailure")
                        .message("Succeeded", "Nix: PermanentFailure: builder failed")
                        .check(t -> assertThat(t.status.getBuildStatus()).isEqualTo("PermanentFailure")),
                row("Building, the derivation is invalid").given(Building)
                        .before(t -> t.builder.structuredAttrs = "{not json")
                        .when(t -> t.runUntil(p -> p.result().isPresent())).then(Failed)
                        .conditions("Succeeded=False/InvalidDerivation").events("Warning InvalidDerivation")
                        .message("Succeeded", "expected JSON in the derivation's __json attribute"),
                row("Building, the derivation does not fit the pool").given(Building)
                        .before(t -> t.builder.system = "aarch64-linux")
                        .when(t -> t.runUntil(p -> p.result().isPresent())).then(Failed)
                        .conditions("Succeeded=False/DerivationMismatch").events("Warning DerivationMismatch")
                        .message("Succeeded", "set spec.system: aarch64-linux"),
                row("Building, the run threw (internal error)").given(Building)
                        .when(t -> {
                            t.builder.crash = new IllegalArgumentException("a bug in the operator");
                            t.finishRun();
                        }).then(Failed).conditions("Succeeded=False/InternalError").events("Warning InternalError")
                        .message("Succeeded", "java.lang.IllegalArgumentException: a bug in the operator")
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Building, the run died of an Error").given(Building)
                        .when(t -> {
                            t.builder.crash = new StackOverflowError("deep");
                            t.finishRun();
                        }).then(Failed).conditions("Succeeded=False/InternalError").events("Warning InternalError")
                        .message("Succeeded", "java.lang.StackOverflowError: deep")
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Building, the run ran out of memory").given(Building)
                        .when(t -> {
                            t.builder.crash = new OutOfMemoryError("Java heap space");
                            t.finishRun();
                        }).then(Failed).conditions("Succeeded=False/InternalError").events("Warning InternalError")
                        .message("Succeeded", "java.lang.OutOfMemoryError: Java heap space")
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Building, the session dropped").given(Building)
                        .when(t -> {
                            t.builder.buildFailure = FakeBuilder.failure(BuilderFailure.UNREACHABLE, "dropped");
                            t.finishRun();
                        }).then(Pending)
                        .conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost")
                        .events("Warning BuilderLost").check(LifecycleTransitionsTest::aFreshAttemptIsQueued),
                row("Building, the pod vanished (lost builder)").given(Building)
                        .when(t -> t.resources.deletePod(NS, POD)).then(Pending)
                        .conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost")
                        .events("Warning BuilderLost").message("BuilderReady", "builder pod " + POD + " no"
                                + " longer exists; attempt 2 of 2 starts on a fresh builder in 2.0s")
                        .check(LifecycleTransitionsTest::aFreshAttemptIsQueued),
                row("Building, the pod vanished and no retries are left").given(Building)
                        .before(t -> t.build.getSpec().setRetries(0))
                        .when(t -> t.resources.deletePod(NS, POD)).then(Failed)
                        .conditions("BuilderReady=False/BuilderLost", "Succeeded=False/BuilderLost")
                        .events("Warning BuilderLost").message("Succeeded", "no retries left (1 of 1 attempts used)")
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Building, the timeout passed").given(Building)
                        .before(t -> t.build.getSpec().setTimeoutSeconds(60L))
                        .when(t -> t.now = t.now.plusSeconds(61)).then(Failed)
                        .conditions("Succeeded=False/TimedOut").events("Warning TimedOut")
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Building, the cluster's default time limit passed (no spec.timeoutSeconds)").given(Building)
                        .when(t -> t.now = t.now.plus(Duration.ofHours(24)).plusSeconds(1)).then(Failed)
                        .conditions("Succeeded=False/TimedOut").events("Warning TimedOut")
                        .message("Succeeded", "the build did not finish within the cluster's default build time limit"
                                + " (86400s, nixpool.runner.default-build-timeout")
                        .check(LifecycleTransitionsTest::slotReleased),
                row("Building, a spec.timeoutSeconds longer than the cluster's default").given(Building)
                        .before(t -> t.build.getSpec().setTimeoutSeconds(200_000L))
                        .when(t -> t.now = t.now.plus(Duration.ofHours(24)).plusSeconds(1)).then(Failed)
                        .conditions("Succeeded=False/TimedOut").events("Warning TimedOut")
                        .message("Succeeded", "the cluster's default build time limit (86400s"),
                row("Building, a spec.timeoutSeconds shorter than the cluster's default").given(Building)
                        .before(t -> t.build.getSpec().setTimeoutSeconds(60L))
                        .when(t -> t.now = t.now.plusSeconds(61)).then(Failed)
                        .conditions("Succeeded=False/TimedOut").events("Warning TimedOut")
                        .message("Succeeded", "the build did not finish within spec.timeoutSeconds (60s since it"),
                row("Building, after an operator restart on a Ready pod").given(Building)
                        .when(t -> t.restart()).then(Building).conditions("BuilderReady=True/Connected")
                        .events("Normal Building"),
                row("Building, after an operator restart on a pod no longer Ready").given(Building)
                        .when(t -> {
                            t.restart();
                            t.resources.changePod(NS, POD,
                                    pod -> pod.setStatus(new PodStatusBuilder().withPhase("Running").build()));
                        }).then(Pending).conditions("Scheduled=False/Retrying", "BuilderReady=False/BuilderLost")
                        .events("Warning BuilderLost"),
                row("Building, an error the lifecycle cannot handle").given(Building)
                        .failing(new IllegalStateException("boom")).then(Failed)
                        .conditions("Succeeded=False/InternalError").events("Warning InternalError")
                        .check(LifecycleTransitionsTest::slotReleased)
                        .check(t -> assertThat(t.runner.size()).as("its runs ended").isZero()),

                // Succeeded, Failed
                row("Succeeded: the builder is deleted").given(Succeeded).then(Succeeded)
                        .conditions("Succeeded=True/Built").events().check(LifecycleTransitionsTest::nothingLeft),
                row("Failed: the builder is deleted").given(Failed).then(Failed)
                        .conditions("Succeeded=False/PermanentFailure").events()
                        .check(LifecycleTransitionsTest::nothingLeft),
                row("Failed: an error after the end changes nothing").given(Failed)
                        .failing(new IllegalStateException("late")).then(Failed)
                        .conditions("Succeeded=False/PermanentFailure").events());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void transition(Row row) {
        row.before.accept(this);
        arrive(row.given);
        row.when.accept(this);
        events.clear();
        NixBuildPhase from = Transitions.phaseOf(status);
        StepContext context = context();
        if (row.error != null) {
            assembly.lifecycle.failOnError(context, row.error);
        } else {
            assembly.lifecycle.run(context);
        }
        events.addAll(context.events());

        assertThat(status.getPhase()).as("phase").isEqualTo(row.then);
        assertThat(from == row.then || Transitions.allowed(from, row.then)).as("an edge of the table").isTrue();
        for (String expected : row.conditions) {
            String[] parts = expected.split("[=/]");
            assertThat(condition(parts[0])).as(expected).satisfies(c -> {
                assertThat(c.getStatus()).as(expected).isEqualTo(parts[1]);
                assertThat(c.getReason()).as(expected).isEqualTo(parts[2]);
            });
        }
        row.messages.forEach((type, fragment) -> assertThat(condition(type).getMessage()).contains(fragment));
        assertThat(events).extracting(e -> (e.warning() ? "Warning " : "Normal ") + e.reason().value())
                .as("events").containsExactlyElementsOf(row.events);
        row.checks.forEach(check -> check.accept(this));
    }

    @Test
    void theEdgesAreTheDocumentedOnes() {
        assertThat(Transitions.EDGES).containsOnlyKeys(EnumSet.allOf(NixBuildPhase.class));
        assertThat(Transitions.EDGES.get(Pending)).containsExactlyInAnyOrder(Scheduled, Failed);
        assertThat(Transitions.EDGES.get(Scheduled)).containsExactlyInAnyOrder(Building, Pending, Failed);
        assertThat(Transitions.EDGES.get(Building)).containsExactlyInAnyOrder(Succeeded, Failed, Pending,
                NixBuildPhase.Uploading);
        assertThat(Transitions.EDGES.get(NixBuildPhase.Uploading)).containsExactlyInAnyOrder(Succeeded, Failed,
                Pending);
        assertThat(Transitions.EDGES.get(Succeeded)).isEmpty();
        assertThat(Transitions.EDGES.get(Failed)).isEmpty();
    }

    @Test
    void anIllegalMoveIsABug() {
        status.setPhase(Succeeded);
        assertThatThrownBy(() -> Transitions.builderLost(context(), "lost", 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("NixBuild table/hello: no transition from Succeeded to Pending");
        status.setPhase(Pending);
        assertThatThrownBy(() -> Transitions.connected(context(), "connected"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("NixBuild table/hello: no transition from Pending to Building");
        assertThatThrownBy(() -> Transitions.waitingForBuilder(context(), "waiting"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("news for phase [Scheduled] while it is Pending");
    }

    /**
     * A warm ephemeral builder's claim labels are written once its run is under way, not before: the run's SSH work
     * does not wait for that API write. Within the same reconcile, so the status names the builder only after.
     */
    @Test
    void aWarmEphemeralBuilderIsLabelledOnceItsRunIsDispatched() {
        idleBuilder("pool-0-warm", true);
        List<Boolean> dispatchedAtLabel = new ArrayList<>();
        resources.onLabel(pod -> dispatchedAtLabel.add(runner.progress(key()).isPresent()));

        reconcile();

        assertThat(status.getPhase()).isEqualTo(Scheduled);
        assertThat(status.getBuilder()).isEqualTo("pool-0-warm");
        assertThat(dispatchedAtLabel).as("one label write, after the dispatch").containsExactly(true);
        assertThat(resources.pod(NS, "pool-0-warm").orElseThrow().getMetadata().getLabels())
                .containsAllEntriesOf(Names.claimLabels("hello", 1));

        // later reconciles of the attempt find it labelled and write nothing more
        reconcile();
        assertThat(dispatchedAtLabel).hasSize(1);
    }

    /** A starting builder may take long to be Ready: it is marked as the build's when the build takes it. */
    @Test
    void aStartingEphemeralBuilderIsLabelledWhenTheBuildTakesIt() {
        idleBuilder("pool-0-starting", false);
        List<Boolean> dispatchedAtLabel = new ArrayList<>();
        resources.onLabel(pod -> dispatchedAtLabel.add(runner.progress(key()).isPresent()));

        reconcile();

        assertThat(status.getBuilder()).isEqualTo("pool-0-starting");
        assertThat(dispatchedAtLabel).as("labelled at once, nothing to dispatch to yet").containsExactly(false);
        assertThat(resources.pod(NS, "pool-0-starting").orElseThrow().getMetadata().getLabels())
                .containsAllEntriesOf(Names.claimLabels("hello", 1));
    }

    /**
     * A build deleted after the ledger gave it a builder but before its status named it (the status write lost a
     * conflict, or had not happened yet): its deletion still finds the builder through the ledger's claim and deletes
     * the ephemeral pod and its Secret.
     */
    @Test
    void aBuildDeletedBeforeItsStatusNamedItsBuilderStillDeletesIt() {
        reconcile();
        assertThat(status.getBuilder()).isEqualTo(POD);
        assertThat(resources.pod(NS, POD)).isPresent();

        // the build as the deletion sees it: no status was ever stored
        status = new NixBuildStatus();
        assembly.lifecycle.deleted(context());

        assertThat(resources.pod(NS, POD)).as("the pod").isEmpty();
        assertThat(resources.secret(NS, Names.keySecretName(POD))).as("its key Secret").isEmpty();
        assertThat(assembly.ledger.reservation(SchedulingInputs.key(build))).as("slot released").isEmpty();
    }

    /**
     * Issue 13 (API writes per build): an ephemeral build's builder is deleted once in the build's whole life, by the
     * reconcile that ended it: not again by the finished build's later reconciles (its pod's deletion, resyncs), nor by
     * the pool's plans that still see the retired builder until the caches settle, nor by the build's deletion. Each of
     * them deleted it again before, answered 404 (about 1.2 times per build in {@code bench scale}).
     */
    @Test
    void anEphemeralBuildsBuilderIsDeletedOnceInTheBuildsWholeLife() {
        arrive(Succeeded);
        List<String> once = List.of("Pod/" + POD, "Secret/" + Names.keySecretName(POD));
        assertThat(resources.deletes()).as("in the reconcile that ended it").isEqualTo(once);

        reconcile();
        poolPlans();
        reconcile();
        now = now.plus(CapacityLedger.SETTLE).plusSeconds(1);
        poolPlans();
        reconcile();
        assembly.lifecycle.deleted(context());

        assertThat(resources.deletes()).isEqualTo(once);
        assertThat(assembly.ledger.deleteIssued(NS, POD)).as("forgotten once the caches settled").isFalse();
    }

    /** A new process deletes nothing for a finished build whose builder the cache shows gone. */
    @Test
    void afterARestartAFinishedBuildsBuilderThatIsGoneIsNotDeletedAgain() {
        arrive(Succeeded);
        restart();
        reconcile();
        poolPlans();
        assembly.lifecycle.deleted(context());
        assertThat(resources.deletes()).containsExactly("Pod/" + POD, "Secret/" + Names.keySecretName(POD));
    }

    /**
     * A predecessor killed after writing the final status but before deleting the builder: the next process's first
     * reconcile of the build sees the pod in the cache and deletes it and its Secret, once.
     */
    @Test
    void aFinishedBuildsBuilderLeftBehindByAPredecessorIsDeletedOnce() {
        arrive(Succeeded);
        idleBuilder(POD, true);
        restart();
        reconcile();
        reconcile();
        poolPlans();
        assembly.lifecycle.deleted(context());
        assertThat(resources.deletes()).containsExactly("Pod/" + POD, "Secret/" + Names.keySecretName(POD),
                "Pod/" + POD, "Secret/" + Names.keySecretName(POD));
        assertThat(resources.pod(NS, POD)).isEmpty();
        assertThat(resources.secret(NS, Names.keySecretName(POD))).isEmpty();
    }

    /** The pool's reconcile: its plan over the caches as they are now. */
    private void poolPlans() {
        assembly.scaler.scale(machine, resources.view(List.of(machine), otherBuilders, this::claims).snapshot(NS), now);
    }

    /** An idle builder of the pool, made as the pool would (Secret, pod); Ready with an IP or still starting. */
    private void idleBuilder(String pod, boolean ready) {
        resources.create(KeySecretRenderer.renderWithNewKeys(machine, pod, 0));
        resources.create(BuilderPodRenderer.render(machine, pod, 0, Map.of(), BuilderDefaults.from(config)));
        if (ready) {
            resources.podRunning(NS, pod, "10.0.0.9");
        }
    }

    // the observations' vocabulary

    /** Brings the build to the phase through the lifecycle itself, as reconciles would. */
    private void arrive(NixBuildPhase phase) {
        switch (phase) {
            case Pending -> {
            }
            case Scheduled -> {
                reconcile();
                assertThat(status.getPhase()).isEqualTo(Scheduled);
            }
            case Building -> {
                if (builder.buildGate == null) {
                    // held in build() until the row says how it ends
                    builder.buildGate = new CountDownLatch(1);
                }
                arrive(Scheduled);
                runUntil(RunProgress::connected);
                reconcile();
                assertThat(status.getPhase()).isEqualTo(Building);
            }
            case Succeeded -> {
                arrive(Building);
                finishRun();
                reconcile();
                assertThat(status.getPhase()).isEqualTo(Succeeded);
            }
            case Failed -> {
                builder.result = new BuildResult(BuildStatus.PERMANENT_FAILURE, "", 1, false, 0, 0, Map.of());
                arrive(Building);
                finishRun();
                reconcile();
                assertThat(status.getPhase()).isEqualTo(Failed);
            }
            default -> throw new IllegalArgumentException("no way to arrive at " + phase);
        }
    }

    /** The pod of attempt 1 vanishes mid-build: Pending again, in the backoff before attempt 2. */
    private void arriveAfterALostBuilder() {
        arrive(Building);
        resources.deletePod(NS, POD);
        reconcile();
        assertThat(status.getPhase()).isEqualTo(Pending);
    }

    /** The pod is Ready and the run dispatched; waits (on the runner's thread, milliseconds) until the run is there. */
    private void runUntil(Predicate<RunProgress> reached) {
        if (resources.pod(NS, status.getBuilder()).map(p -> p.getStatus().getPodIP() == null).orElse(false)) {
            resources.podRunning(NS, status.getBuilder(), "10.0.0.7");
        }
        if (runner.progress(key()).isEmpty()) {
            reconcile();
        }
        await().atMost(FakeBuilder.WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                .until(() -> runner.progress(key()).filter(reached).isPresent());
    }

    /** Lets a held build end, and waits for its result. */
    private void finishRun() {
        CountDownLatch gate = builder.buildGate;
        if (gate != null) {
            gate.countDown();
        }
        runUntil(p -> p.result().isPresent());
    }

    /** A new operator process: nothing in memory; the status and the cluster are what is left. */
    private void restart() {
        runner.close();
        runner = new BuildRunner(builder, logs, executor);
        assembly = new LifecycleAssembly(resources, runner, logs, config);
    }

    private RunKey key() {
        return new RunKey(build.getMetadata().getUid(), BuilderLoss.currentAttempt(status));
    }

    private StepContext context() {
        ClusterView view = resources.view(List.of(machine), otherBuilders, this::claims);
        return new StepContext(build, status, new PositionBudgetView(view, this), now);
    }

    /**
     * The namespace's queue-position budget as the test sets it: spent ({@link #positionsOverBudget}: no waiting build
     * may show a new position now), and the first positions it was told of.
     */
    private record PositionBudgetView(ClusterView view, LifecycleTransitionsTest test) implements ClusterView {
        @Override
        public ClusterSnapshot snapshot(String namespace) {
            return view.snapshot(namespace);
        }

        @Override
        public Optional<Pod> builderPod(String namespace, String name) {
            return view.builderPod(namespace, name);
        }

        @Override
        public boolean mayMovePosition(String namespace, String buildKey) {
            return !test.positionsOverBudget;
        }

        @Override
        public void firstPositionShown(String namespace) {
            test.firstPositionsShown++;
        }
    }

    /** The build's hold on its builder, as the cache shows it once its status is written. */
    private Map<String, ClusterSnapshot.Claim> claims() {
        NixBuildPhase phase = Transitions.phaseOf(status);
        if (phase.isFinal() || status.getMachine() == null) {
            return Map.of();
        }
        return Map.of(SchedulingInputs.key(build), new ClusterSnapshot.Claim(status.getMachine(), status.getBuilder()));
    }

    private void reconcile() {
        StepContext context = context();
        assembly.lifecycle.run(context);
        events.addAll(context.events());
    }

    private Condition condition(String type) {
        return Conditions.find(status.getConditions(), type).orElseThrow(() -> new AssertionError("no " + type));
    }

    private static void slotReleased(LifecycleTransitionsTest t) {
        assertThat(t.assembly.ledger.reservation(SchedulingInputs.key(t.build))).as("slot released").isEmpty();
    }

    /** Lost: its pod and Secret deleted, the slot given back, attempt 2 queued without a pool. */
    private static void aFreshAttemptIsQueued(LifecycleTransitionsTest t) {
        assertThat(t.status.getAttempts()).isEqualTo(2);
        assertThat(t.status.getMachine()).isNull();
        assertThat(t.status.getBuilder()).isNull();
        assertThat(t.resources.pod(NS, POD)).isEmpty();
        assertThat(t.resources.secret(NS, Names.keySecretName(POD))).isEmpty();
        slotReleased(t);
    }

    private static void nothingLeft(LifecycleTransitionsTest t) {
        assertThat(t.resources.podsOfMachine(NS, "pool")).isEmpty();
        assertThat(t.resources.secretsOfMachine(NS, "pool")).isEmpty();
        assertThat(t.runner.size()).isZero();
    }

    // rows

    private static Row row(String name) {
        return new Row(name);
    }

    /** One line of the table: given a phase (and a setup before it), an observation, and what follows. */
    static final class Row {

        final String name;
        NixBuildPhase given = Pending;
        Consumer<LifecycleTransitionsTest> before = t -> {
        };
        Consumer<LifecycleTransitionsTest> when = t -> {
        };
        Exception error;
        NixBuildPhase then;
        List<String> conditions = List.of();
        List<String> events = List.of();
        final Map<String, String> messages = new HashMap<>();
        final List<Consumer<LifecycleTransitionsTest>> checks = new ArrayList<>();

        Row(String name) {
            this.name = name;
        }

        Row given(NixBuildPhase phase) {
            this.given = phase;
            return this;
        }

        Row before(Consumer<LifecycleTransitionsTest> setup) {
            this.before = setup;
            return this;
        }

        Row when(Consumer<LifecycleTransitionsTest> observation) {
            this.when = observation;
            return this;
        }

        /** Instead of a reconcile: the error handler gets this error. */
        Row failing(Exception e) {
            this.error = e;
            return this;
        }

        Row then(NixBuildPhase phase) {
            this.then = phase;
            return this;
        }

        /** {@code Type=Status/Reason} of conditions that must be there. */
        Row conditions(String... expected) {
            this.conditions = List.of(expected);
            return this;
        }

        /** {@code Normal Reason} or {@code Warning Reason}: exactly the Events of the observed reconcile, in order. */
        Row events(String... expected) {
            this.events = List.of(expected);
            return this;
        }

        Row message(String type, String fragment) {
            messages.put(type, fragment);
            return this;
        }

        Row check(Consumer<LifecycleTransitionsTest> check) {
            checks.add(check);
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
