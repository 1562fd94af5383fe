package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a pod's process tree when the runtime closes: the close interrupts the thread that stops a pod, which must
 * end the grace period but not the wait for the killed processes (a real process tree: setpriv, unshare, no sshd).
 */
class BuilderProcessTest {

    @TempDir
    Path dir;

    private final ExecutorService spawner = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopSpawner() {
        spawner.shutdownNow();
    }

    @Test
    void anInterruptedStopKillsAtOnceAndStillWaitsForTheProcessesToBeGone() throws Exception {
        // the first process of a PID namespace ignores a SIGTERM it has no handler for: only SIGKILL ends sleep
        BuilderProcess process = BuilderProcess.start(spawner, "ns/sleeper", List.of(), List.of("sleep", "600"), dir,
                Map.of());

        boolean interruptKept = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Thread.currentThread().interrupt();
            process.stop(Duration.ofMinutes(10));
            return Thread.interrupted();
        }, "the interrupt ends the ten-minute grace period");

        assertThat(interruptKept).as("the interrupt is kept for the caller").isTrue();
        assertThat(process.isAlive()).isFalse();
        assertThat(process.processes()).as("nothing of the pod is left").isEmpty();
        assertThat(process.exitCode()).isEqualTo(128 + 9);
    }
}
