package dev.nixpool.runner;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.nixpool.config.NixpoolConfig;

/**
 * The runner's threads: {@code nixpool.runner.threads} of them, idle ones let go after a minute. A run beyond that waits
 * in the unbounded queue (its builder is reserved already; it shows "connecting" until a thread takes it).
 */
@ApplicationScoped
public class RunnerExecutorProducer {

    @Produces
    @Singleton
    @RunnerThreads
    ExecutorService executor(NixpoolConfig config) {
        return threads(config.runner().threads());
    }

    void close(@Disposes @RunnerThreads ExecutorService executor) {
        executor.shutdownNow();
    }

    /** Also what tests run builds on. */
    public static ExecutorService threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("nixpool.runner.threads must be at least 1, got " + threads);
        }
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads());
        executor.allowCoreThreadTimeOut(true);
        return executor;
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
