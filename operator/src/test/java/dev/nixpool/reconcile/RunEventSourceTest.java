package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.javaoperatorsdk.operator.processing.event.ResourceID;

import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.DerivationFit;
import dev.nixpool.runner.FakeBuilder;
import dev.nixpool.runner.RunKey;
import dev.nixpool.runner.RunProgress;
import dev.nixpool.runner.RunRequest;
import dev.nixpool.runner.RunnerExecutorProducer;
import dev.nixpool.runner.RunnerExecutors;

/**
 * The runner's milestones reach JOSDK as events for exactly the run's NixBuild: a real runner on a fake builder, the
 * event source as the reconciler registers it, and an event handler that records each event with the run's progress
 * at that moment (the runner tells on the run's own thread, so that progress is the milestone's, not a later one's).
 */
class RunEventSourceTest {

    private static final String X86 = "x86_64-linux";
    private static final ResourceID HELLO = new ResourceID("hello", "ns");

    /** One event as JOSDK's handler got it, with what a reconcile woken by it would read. */
    private record Seen(ResourceID build, RunProgress progress) {
    }

    @TempDir
    Path logDir;

    private final FakeBuilder builder = new FakeBuilder();
    private final ExecutorService executor = RunnerExecutorProducer.threads(2);
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final RunEventSource source = new RunEventSource();
    private BuildRunner runner;

    @BeforeEach
    void start() {
        runner = new BuildRunner(builder, new LogStore(logDir, 1_000_000), executor);
        source.setEventHandler(event -> seen.add(new Seen(event.getRelatedCustomResourceID(),
                runner.progress(new RunKey("uid-1", 1)).orElseThrow())));
        source.start();
        runner.listen(source);
    }

    @AfterEach
    void stop() throws InterruptedException {
        runner.close();
        RunnerExecutors.stop(executor);
    }

    private static RunRequest request() {
        return new RunRequest(new RunKey("uid-1", 1), "ns", "hello", new BuilderAddress("127.0.0.9", 2222, "root"),
                new BuilderCredentials("private", "ssh-ed25519 AAAA"), new BuildSource.Expression("derivation {}"),
                BuildOptions.DEFAULTS, new DerivationFit(X86, Set.of(), "default", List.of(X86), Set.of()));
    }

    private Seen next() throws InterruptedException {
        Seen event = seen.poll(FakeBuilder.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(event).as("an event within " + FakeBuilder.WAIT).isNotNull();
        return event;
    }

    /** Waits until every run has ended, so that no event can still come. */
    private void runsEnded() throws InterruptedException {
        executor.shutdown();
        assertThat(executor.awaitTermination(FakeBuilder.WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void eachMilestoneWakesTheRunsBuild() throws InterruptedException {
        runner.dispatch(request());

        Seen connected = next();
        assertThat(connected.build()).isEqualTo(HELLO);
        assertThat(connected.progress().connected()).isTrue();
        assertThat(connected.progress().derivation()).isNull();

        Seen derivation = next();
        assertThat(derivation.build()).isEqualTo(HELLO);
        assertThat(derivation.progress().derivation()).isEqualTo(FakeBuilder.DRV);
        assertThat(derivation.progress().result()).isEmpty();

        Seen finished = next();
        assertThat(finished.build()).isEqualTo(HELLO);
        assertThat(finished.progress().result()).isPresent();

        runsEnded();
        assertThat(seen).as("nothing after the run finished").isEmpty();
    }

    @Test
    void aFailedConnectionWakesTheBuildOnceWithItsResult() throws InterruptedException {
        builder.connectFailure = FakeBuilder.failure(BuilderFailure.UNREACHABLE, "connection refused");
        runner.dispatch(request());

        Seen failed = next();
        assertThat(failed.build()).isEqualTo(HELLO);
        assertThat(failed.progress().connected()).isFalse();
        assertThat(failed.progress().result()).isPresent();

        runsEnded();
        assertThat(seen).isEmpty();
    }

    @Test
    void aCancelledRunTellsNothingMore() throws InterruptedException {
        builder.buildGate = new CountDownLatch(1);
        runner.dispatch(request());
        next();
        assertThat(next().progress().derivation()).isEqualTo(FakeBuilder.DRV);

        runner.cancel(new RunKey("uid-1", 1));

        runsEnded();
        assertThat(builder.closed.get()).as("the session was closed mid-build").isPositive();
        assertThat(seen).as("the build has moved on: no wake-up for the dropped run").isEmpty();
    }

    @Test
    void aStoppedSourcePropagatesNothing() throws InterruptedException {
        source.stop();
        runner.dispatch(request());

        runsEnded();
        assertThat(seen).isEmpty();
        assertThat(runner.progress(new RunKey("uid-1", 1)).orElseThrow().result()).isPresent();
    }
}
