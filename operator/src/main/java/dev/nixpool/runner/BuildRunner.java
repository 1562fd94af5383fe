package dev.nixpool.runner;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.remote.BuilderConnector;

/**
 * Runs builds off the reconcile threads. A reconcile dispatches a run and later polls its progress; it never waits for
 * a builder. Runs are keyed by NixBuild uid and attempt and live in memory only: after an operator restart there are
 * none, and the lifecycle dispatches the current attempt again. A fixed number of threads bounds what the operator
 * does at once; a run beyond that waits in the queue (still "connecting" to its reconciles).
 */
@ApplicationScoped
public class BuildRunner {

    private final BuilderConnector connector;
    private final LogStore logs;
    private final ExecutorService executor;
    private final Map<RunKey, Run> runs = new ConcurrentHashMap<>();

    @Inject
    public BuildRunner(BuilderConnector connector, LogStore logs, NixpoolConfig config) {
        this(connector, logs, config.runner().threads());
    }

    public BuildRunner(BuilderConnector connector, LogStore logs, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("nixpool.runner.threads must be at least 1, got " + threads);
        }
        this.connector = connector;
        this.logs = logs;
        this.executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads());
        ((ThreadPoolExecutor) executor).allowCoreThreadTimeOut(true);
    }

    /** Starts the run unless one with this key exists; true when this call started it. */
    public boolean dispatch(RunRequest request) {
        Run fresh = new Run(request);
        Run existing = runs.putIfAbsent(request.key(), fresh);
        if (existing != null) {
            return false;
        }
        fresh.started(executor.submit(new BuildJob(fresh, connector, logs)));
        return true;
    }

    public Optional<RunProgress> progress(RunKey key) {
        return Optional.ofNullable(runs.get(key)).map(Run::progress);
    }

    /** Stops one attempt (its builder is lost or being replaced) and forgets it. */
    public void cancel(RunKey key) {
        Run run = runs.remove(key);
        if (run != null) {
            run.cancel();
        }
    }

    /** Stops and forgets every attempt of a build: it ended or is being deleted. */
    public void end(String uid) {
        List<RunKey> keys = runs.keySet().stream().filter(k -> k.uid().equals(uid)).toList();
        keys.forEach(this::cancel);
    }

    /** Runs known to this process (finished ones included until their build ends). */
    public int size() {
        return runs.size();
    }

    @PreDestroy
    public void close() {
        List.copyOf(runs.keySet()).forEach(this::cancel);
        executor.shutdownNow();
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "nixpool-build-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
