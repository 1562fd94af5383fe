package dev.nixpool.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Ending a test's runner threads. */
public final class RunnerExecutors {

    private RunnerExecutors() {
    }

    /**
     * Interrupts the runs and waits until their threads are gone: a run still writing its log after the test would race
     * the removal of the test's temporary directory.
     */
    public static void stop(ExecutorService executor) throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).as("runner threads ended").isTrue();
    }
}
