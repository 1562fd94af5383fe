package dev.nixpool.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.status.Reason;

class BuildRunnerTest {

    private static final String X86 = "x86_64-linux";

    @TempDir
    Path dir;

    private final FakeBuilder builder = new FakeBuilder();
    private final ExecutorService executor = RunnerExecutorProducer.threads(2);
    private BuildRunner runner;
    private LogStore logs;

    private BuildRunner runner() {
        logs = new LogStore(dir, 1_000_000);
        runner = new BuildRunner(builder, logs, executor);
        return runner;
    }

    @AfterEach
    void close() throws InterruptedException {
        if (runner != null) {
            runner.close();
        }
        RunnerExecutors.stop(executor);
    }

    private static RunRequest request(String uid, int attempt) {
        return request(uid, attempt, NixSettings.NONE);
    }

    private static RunRequest request(String uid, int attempt, NixSettings settings) {
        return new RunRequest(new RunKey(uid, attempt), "ns", "hello", new BuilderAddress("127.0.0.9", 2222, "root"),
                new BuilderCredentials("private", "ssh-ed25519 AAAA"), new BuildSource.Expression("derivation {}"),
                BuildOptions.DEFAULTS.withBuildTimeout(600),
                new DerivationFit(X86, Set.of(), "default", List.of(X86), Set.of()), settings);
    }

    private RunResult awaitResult(RunKey key) {
        await().atMost(FakeBuilder.WAIT).until(() -> runner.progress(key).flatMap(RunProgress::result).isPresent());
        return runner.progress(key).orElseThrow().result().orElseThrow();
    }

    @Test
    void aRunConnectsBuildsAndCollectsOutputsWithTheLogOnDisk() throws IOException {
        RunKey key = new RunKey("uid-1", 1);
        assertThat(runner().dispatch(request("uid-1", 1))).isTrue();
        assertThat(runner.dispatch(request("uid-1", 1))).as("one run per attempt").isFalse();

        RunResult result = awaitResult(key);
        RunProgress progress = runner.progress(key).orElseThrow();
        assertThat(progress.connection()).isEqualTo("serve protocol 2.7, host key SHA256:fake");
        assertThat(progress.derivation()).isEqualTo(FakeBuilder.DRV);
        assertThat(result).isInstanceOfSatisfying(RunResult.Completed.class, completed -> {
            assertThat(completed.result().status().nixName()).isEqualTo("Built");
            assertThat(completed.outputs()).singleElement().satisfies(o -> {
                assertThat(o.getName()).isEqualTo("out");
                assertThat(o.getPath()).isEqualTo(FakeBuilder.OUT);
                assertThat(o.getNarHash()).startsWith("sha256:").hasSize(7 + 52);
                assertThat(o.getNarSize()).isEqualTo(120L);
            });
        });
        assertThat(builder.opened).containsExactly(new BuilderAddress("127.0.0.9", 2222, "root"));
        assertThat(builder.openedWith).containsExactly(NixSettings.NONE);
        assertThat(builder.builds).singleElement().satisfies(o -> assertThat(o.buildTimeout()).isEqualTo(600));
        assertThat(builder.closed.get()).isPositive();
        String log = Files.readString(logs.file("ns", "hello", 1).orElseThrow());
        assertThat(log).contains("[nixpool] attempt 1: connecting to root@127.0.0.9:2222", "evaluating Expression",
                "building '" + FakeBuilder.DRV + "'...", "[nixpool] Nix says: Built")
                .doesNotContain("with the build's substituters");
    }

    /**
     * The derivation milestone sets off a status write and reconciles: it is told once the .drv is read, so that work
     * does not compete with the read on the way to the build command; a failed read still tells it.
     */
    @Test
    void theDerivationIsToldOnceItsDrvIsReadAndAlsoWhenTheReadFails() {
        List<Integer> readsWhenTold = new CopyOnWriteArrayList<>();
        runner().listen((request, milestone) -> {
            if (milestone == RunMilestone.DERIVATION_KNOWN) {
                readsWhenTold.add(builder.reads.size());
            }
        });
        runner.dispatch(request("uid-r1", 1));
        assertThat(awaitResult(new RunKey("uid-r1", 1))).isInstanceOf(RunResult.Completed.class);
        assertThat(readsWhenTold).containsExactly(1);

        builder.readFailure = FakeBuilder.failure(BuilderFailure.DERIVATION_UNAVAILABLE, "gone");
        runner.dispatch(request("uid-r2", 1));
        assertThat(awaitResult(new RunKey("uid-r2", 1))).isInstanceOfSatisfying(RunResult.Failed.class,
                failed -> assertThat(failed.message()).contains("gone"));
        assertThat(readsWhenTold).containsExactly(1, 2);
        assertThat(runner.progress(new RunKey("uid-r2", 1)).orElseThrow().derivation()).isEqualTo(FakeBuilder.DRV);
    }

    @Test
    void theBuildsNixSettingsGoToItsSessionAndAreLogged() throws IOException {
        NixSettings settings = NixSettings.of(List.of("https://cache.example.org"),
                List.of("cache.example.org-1:5T8dggQSXDa+1cXt339lg7s1lpSlqk8WMFK7TYzJ0LI="));
        runner().dispatch(request("uid-s", 1, settings));
        assertThat(awaitResult(new RunKey("uid-s", 1))).isInstanceOf(RunResult.Completed.class);
        assertThat(builder.openedWith).containsExactly(settings);
        assertThat(Files.readString(logs.file("ns", "hello", 1).orElseThrow())).contains("[nixpool] with the build's "
                + "substituters [https://cache.example.org] and trusted public keys "
                + "[cache.example.org-1:5T8dggQSXDa+1cXt339lg7s1lpSlqk8WMFK7TYzJ0LI=]");
    }

    @Test
    void aRunWithoutSettingsOfItsOwnHasNone() {
        RunRequest plain = new RunRequest(new RunKey("uid-p", 1), "ns", "hello",
                new BuilderAddress("127.0.0.9", 2222, "root"), new BuilderCredentials("private", "ssh-ed25519 AAAA"),
                new BuildSource.Expression("derivation {}"), BuildOptions.DEFAULTS,
                new DerivationFit(X86, Set.of(), "default", List.of(X86), Set.of()));
        assertThat(plain.nixSettings()).isEqualTo(NixSettings.NONE);
    }

    @Test
    void connectFailuresKeepTheirKindAndMessage() {
        builder.connectFailure = FakeBuilder.failure(BuilderFailure.HOST_KEY_MISMATCH,
                "root@127.0.0.9:2222 presented host key SHA256:b, expected SHA256:a");
        runner().dispatch(request("uid-2", 1));
        RunKey key = new RunKey("uid-2", 1);
        assertThat(awaitResult(key)).isEqualTo(new RunResult.Failed(Reason.HOST_KEY_MISMATCH,
                "root@127.0.0.9:2222 presented host key SHA256:b, expected SHA256:a", false));
        assertThat(runner.progress(key).orElseThrow().connected()).isFalse();
    }

    @Test
    void aDerivationThatDoesNotFitIsNotBuilt() {
        builder.requiredFeatures = "kvm";
        runner().dispatch(request("uid-3", 1));
        RunResult result = awaitResult(new RunKey("uid-3", 1));
        assertThat(result).isInstanceOfSatisfying(RunResult.Failed.class, failed -> {
            assertThat(failed.reason()).isEqualTo(Reason.DERIVATION_MISMATCH);
            assertThat(failed.message()).contains("set spec.requiredSystemFeatures: [kvm]");
            assertThat(failed.retryable()).isFalse();
        });
        assertThat(builder.builds).isEmpty();
    }

    @Test
    void endingABuildClosesItsSessionMidBuildAndForgetsIt() {
        builder.buildGate = new CountDownLatch(1);
        runner().dispatch(request("uid-4", 1));
        RunKey key = new RunKey("uid-4", 1);
        await().atMost(FakeBuilder.WAIT).until(() -> !builder.builds.isEmpty());
        assertThat(runner.progress(key).orElseThrow().result()).isEmpty();

        runner.end("uid-4");

        assertThat(runner.progress(key)).isEmpty();
        await().atMost(FakeBuilder.WAIT).until(() -> builder.closed.get() > 0);
        assertThat(runner.size()).isZero();
    }

    @Test
    void aBrokenSessionMidBuildIsRetryable() {
        builder.buildFailure = FakeBuilder.failure(BuilderFailure.UNREACHABLE, "the connection dropped");
        runner().dispatch(request("uid-5", 2));
        assertThat(awaitResult(new RunKey("uid-5", 2)))
                .isEqualTo(new RunResult.Failed(Reason.UNREACHABLE, "the connection dropped", true));
    }

    @Test
    void aBuilderOverItsLimitsFailsTheBuildWithoutARetry() {
        builder.buildFailure = FakeBuilder.failure(BuilderFailure.LIMIT_EXCEEDED,
                "the build logged more than 65536 bytes (the operator's maxLogBytesPerBuild); it was stopped");
        runner().dispatch(request("uid-7", 1));
        assertThat(awaitResult(new RunKey("uid-7", 1))).isEqualTo(new RunResult.Failed(Reason.LIMIT_EXCEEDED,
                "the build logged more than 65536 bytes (the operator's maxLogBytesPerBuild); it was stopped", false));
    }

    @Test
    void outputsOfAFailedBuildAreNotCollected() {
        builder.result = new dev.nixpool.nix.build.BuildResult(dev.nixpool.nix.build.BuildStatus.PERMANENT_FAILURE,
                "builder for '" + FakeBuilder.DRV + "' failed with exit code 1", 1, false, 0, 0, java.util.Map.of());
        runner().dispatch(request("uid-6", 1));
        assertThat(awaitResult(new RunKey("uid-6", 1))).isInstanceOfSatisfying(RunResult.Completed.class,
                completed -> {
                    assertThat(completed.result().success()).isFalse();
                    assertThat(completed.outputs()).extracting(BuildOutput::getPath).isEmpty();
                });
    }

    private void keepConnected() {
        builder.keepsConnections = true;
        runner.keepConnected("ns/default", List.of(new KeptBuilder(new BuilderAddress("127.0.0.9", 2222, "root"),
                "builder-0", true)), b -> Optional.of(new BuilderCredentials("private", "ssh-ed25519 AAAA")));
        // the warming connects on a thread of its own; a build dispatched before it began would connect by itself,
        // not over the kept connection these tests are about
        await().atMost(FakeBuilder.WAIT).until(() -> builder.connects.get() >= 1);
    }

    @Test
    void buildsInARowOnAKeptBuilderShareOneLoginAndOneServeSession() throws IOException {
        runner();
        keepConnected();
        for (int i = 1; i <= 2; i++) {
            assertThat(awaitResult(dispatchAndKey("uid-" + i))).isInstanceOf(RunResult.Completed.class);
        }
        assertThat(builder.connects.get()).as("one SSH login, before the first build").isOne();
        assertThat(builder.opened).as("one serve session, started ahead and reused").hasSize(1);
        assertThat(Files.readString(logs.file("ns", "hello", 1).orElseThrow()))
                .contains("[nixpool] on the operator's kept connection to the builder");
    }

    @Test
    void endingAFinishedBuildLeavesItsSessionToTheNextBuild() {
        runner();
        keepConnected();
        assertThat(awaitResult(dispatchAndKey("uid-1"))).isInstanceOf(RunResult.Completed.class);
        runner.end("uid-1"); // the build ended: its run is forgotten, the spare it gave back is not its own any more
        assertThat(builder.closed.get()).as("the session went back as the spare, open").isZero();
        assertThat(awaitResult(dispatchAndKey("uid-2"))).isInstanceOf(RunResult.Completed.class);
        assertThat(builder.opened).as("the second build used the first one's session").hasSize(1);
    }

    @Test
    void aKeptConnectionFoundStaleIsReplacedOnceWithoutFailingTheBuild() throws IOException {
        runner();
        keepConnected();
        builder.staleOnce.set(FakeBuilder.failure(BuilderFailure.UNREACHABLE, "connection reset"));

        assertThat(awaitResult(dispatchAndKey("uid-1"))).isInstanceOf(RunResult.Completed.class);
        assertThat(builder.connects.get()).as("the stale one and its replacement").isEqualTo(2);
        assertThat(Files.readString(logs.file("ns", "hello", 1).orElseThrow()))
                .contains("the kept connection failed (connection reset); connecting again");
    }

    @Test
    void aKeptConnectionIsNotRetriedForAnEvaluationError() {
        runner();
        keepConnected();
        builder.staleOnce.set(FakeBuilder.failure(BuilderFailure.EVALUATION_FAILED, "undefined variable"));

        assertThat(awaitResult(dispatchAndKey("uid-1"))).isInstanceOfSatisfying(RunResult.Failed.class,
                failed -> assertThat(failed.reason()).isEqualTo(Reason.EVALUATION_FAILED));
        assertThat(builder.connects.get()).isOne();
    }

    private RunKey dispatchAndKey(String uid) {
        runner.dispatch(request(uid, 1));
        return new RunKey(uid, 1);
    }
}
