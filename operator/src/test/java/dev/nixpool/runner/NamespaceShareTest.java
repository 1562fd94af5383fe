package dev.nixpool.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;

/** One namespace cannot take every runner thread: its runs beyond its share wait in its own queue. */
class NamespaceShareTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ExecutorService executor = RunnerExecutorProducer.threads(3);
    private final CountDownLatch gate = new CountDownLatch(1);
    private final List<String> started = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        gate.countDown();
        RunnerExecutors.stop(executor);
    }

    private Runnable blocking(String name) {
        return () -> {
            started.add(name);
            try {
                gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Test
    void aGreedyNamespaceLeavesTheOtherThreadsToOthers() {
        NamespaceShare share = new NamespaceShare(executor, 2);
        List<Future<?>> greedy = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            greedy.add(share.submit("greedy", blocking("greedy-" + i)));
        }
        Future<?> other = share.submit("other", blocking("other-1"));

        await().atMost(WAIT).until(() -> started.size() == 3);
        assertThat(started).containsExactlyInAnyOrder("greedy-1", "greedy-2", "other-1");
        assertThat(share.admitted("greedy")).isEqualTo(2);
        assertThat(share.waiting("greedy")).isEqualTo(4);
        assertThat(share.waitingTotal()).isEqualTo(4);
        assertThat(share.admitted("other")).isEqualTo(1);

        gate.countDown();
        await().atMost(WAIT).until(() -> greedy.stream().allMatch(Future::isDone) && other.isDone());
        assertThat(started).hasSize(7).containsSubsequence("greedy-1", "greedy-3", "greedy-4", "greedy-5", "greedy-6");
        assertThat(share.admitted("greedy")).isZero();
        assertThat(share.waiting("greedy")).isZero();
        assertThat(share.admitted("other")).isZero();
    }

    @Test
    void aRunCancelledWhileWaitingNeverRunsAndTakesNoShare() {
        NamespaceShare share = new NamespaceShare(executor, 1);
        Future<?> first = share.submit("ns", blocking("first"));
        Future<?> second = share.submit("ns", blocking("second"));
        Future<?> third = share.submit("ns", blocking("third"));
        await().atMost(WAIT).until(() -> started.contains("first"));

        second.cancel(false);
        assertThat(share.waiting("ns")).isEqualTo(1);
        assertThat(share.admitted("ns")).isEqualTo(1);

        gate.countDown();
        await().atMost(WAIT).until(() -> first.isDone() && third.isDone() && share.admitted("ns") == 0);
        assertThat(started).containsExactly("first", "third");
    }

    @Test
    void aCancelledRunningRunKeepsItsShareUntilItsThreadIsFree() throws Exception {
        NamespaceShare share = new NamespaceShare(executor, 1);
        Future<?> running = share.submit("ns", blocking("running"));
        Future<?> next = share.submit("ns", blocking("next"));
        await().atMost(WAIT).until(() -> started.contains("running"));

        running.cancel(false);
        assertThat(share.admitted("ns")).as("the thread still works for it").isEqualTo(1);
        assertThat(started).containsExactly("running");

        gate.countDown();
        next.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(started).containsExactly("running", "next");
        await().atMost(WAIT).until(() -> share.admitted("ns") == 0);
    }

    @Test
    void aShareBelowOneIsRefused() {
        assertThatThrownBy(() -> new NamespaceShare(executor, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nixpool.runner.namespace-threads must be at least 1");
    }

    @Test
    void theRunnerConnectsAnotherNamespacesBuildWhileTheGreedyOnesWait() {
        FakeBuilder builder = new FakeBuilder();
        builder.buildGate = new CountDownLatch(1);
        BuildRunner runner = new BuildRunner(builder, new LogStore(dir, 1_000_000), executor, 1);
        try {
            runner.dispatch(request("greedy", "g1"));
            runner.dispatch(request("greedy", "g2"));
            runner.dispatch(request("other", "o1"));
            await().atMost(WAIT).until(() -> connected(runner, "g1") && connected(runner, "o1"));
            assertThat(connected(runner, "g2")).as("the greedy namespace's second run waits for its share").isFalse();
            assertThat(runner.waitingForShare()).isEqualTo(1);

            builder.buildGate.countDown();
            await().atMost(WAIT).until(() -> runner.progress(new RunKey("g2", 1))
                    .flatMap(RunProgress::result).isPresent());
        } finally {
            builder.buildGate.countDown();
            runner.close();
        }
    }

    private static boolean connected(BuildRunner runner, String uid) {
        return runner.progress(new RunKey(uid, 1)).map(p -> p.connection() != null).orElse(false);
    }

    private static RunRequest request(String namespace, String uid) {
        return new RunRequest(new RunKey(uid, 1), namespace, uid, new BuilderAddress("127.0.0.9", 2222, "root"),
                new BuilderCredentials("private", "ssh-ed25519 AAAA"), new BuildSource.Expression("derivation {}"),
                BuildOptions.DEFAULTS, new DerivationFit("x86_64-linux", java.util.Set.of(), "default",
                        List.of("x86_64-linux"), java.util.Set.of()));
    }
}
