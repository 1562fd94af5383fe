package dev.nixpool.metrics;

import static dev.nixpool.metrics.MeterNames.RUNNER_RUNS_WAITING;
import static dev.nixpool.metrics.MeterNames.RUNNER_THREADS;
import static dev.nixpool.metrics.MeterNames.RUNNER_THREADS_BUSY;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.RunnerThreads;

/**
 * The runner's threads: each run holds one for its whole session with its builder, so busy threads are the runs in
 * progress, and runs waiting for a thread are builds whose builder is reserved but not yet talked to. Quarkus binds
 * every MeterBinder bean to the registry.
 */
@Singleton
public class RunnerMetrics implements MeterBinder {

    private final ThreadPoolExecutor threads;
    private final BuildRunner runner;

    /** {@link dev.nixpool.runner.RunnerExecutorProducer} makes a ThreadPoolExecutor; these gauges read it. */
    public RunnerMetrics(@RunnerThreads ExecutorService executor, BuildRunner runner) {
        this.threads = (ThreadPoolExecutor) executor;
        this.runner = runner;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(RUNNER_THREADS, threads, ThreadPoolExecutor::getMaximumPoolSize)
                .description("threads that talk to builders (nixpool.runner.threads)").register(registry);
        Gauge.builder(RUNNER_THREADS_BUSY, threads, ThreadPoolExecutor::getActiveCount)
                .description("runner threads in a session with a builder: the runs in progress").register(registry);
        // a run waiting for its namespace's share waits for a thread too, only in another queue
        Gauge.builder(RUNNER_RUNS_WAITING, this, m -> m.threads.getQueue().size() + m.runner.waitingForShare())
                .description("runs waiting for a runner thread (or for their namespace's share of them)")
                .register(registry);
    }
}
