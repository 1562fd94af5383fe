package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
                Map.of(), Niceness.NORMAL);

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

    @Test
    void aNicedPodRunsItsWholeProcessTreeAtThatPriority() throws Exception {
        BuilderProcess process = BuilderProcess.start(spawner, "ns/niced", List.of(), List.of("sleep", "600"), dir,
                Map.of(), 10);
        try {
            assertThat(process.processes()).isNotEmpty()
                    .allSatisfy(member -> assertThat(niceness(member.pid())).as("niceness of process %d", member.pid())
                            .isEqualTo(10));
        } finally {
            process.stop(Duration.ofSeconds(1));
        }
    }

    /** Field 19 of /proc/PID/stat, counted after the command name's closing parenthesis (the name may hold spaces). */
    private static int niceness(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }
}
