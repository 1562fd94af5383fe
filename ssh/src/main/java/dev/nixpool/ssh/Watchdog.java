package dev.nixpool.ssh;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds blocking reads of a remote protocol in time: a {@link Guard} armed before a request runs its action (closing
 * the channel) if the answer has not come within the limit, which ends the blocked read with an error. One timer thread
 * serves every guard of its owner. Thread-safe.
 */
public final class Watchdog implements AutoCloseable {

    private final ScheduledExecutorService timer;

    public Watchdog(String threadName) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code onExpiry} after {@code limit} unless the returned guard is closed first. */
    public Guard arm(Duration limit, Runnable onExpiry) {
        Guard guard = new Guard(limit);
        guard.task = timer.schedule(() -> {
            guard.fired.set(true);
            onExpiry.run();
        }, limit.toNanos(), TimeUnit.NANOSECONDS);
        return guard;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One armed limit; closing it disarms it. */
    public static final class Guard implements AutoCloseable {
        private final Duration limit;
        private final AtomicBoolean fired = new AtomicBoolean();
        private volatile ScheduledFuture<?> task;

        private Guard(Duration limit) {
            this.limit = limit;
        }

        /** True once the limit passed and the action ran (or is running). */
        public boolean fired() {
            return fired.get();
        }

        public Duration limit() {
            return limit;
        }

        @Override
        public void close() {
            disarm();
        }

        /** Disarms the guard; true when its action will never run, false when it ran or is running already. */
        public boolean disarm() {
            ScheduledFuture<?> t = task;
            return t != null && t.cancel(false);
        }
    }
}
