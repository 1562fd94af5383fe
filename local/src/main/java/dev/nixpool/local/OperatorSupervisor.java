package dev.nixpool.local;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

/**
 * What a Deployment does for the operator, in local mode: an operator process that exits although nobody stopped it
 * (killed, crashed, or gave up after it lost the leader Lease) is started again, with the kubelet's backoff. Every
 * restart is logged as a warning with its count, so local mode's output shows it.
 */
final class OperatorSupervisor implements OperatorProcess.ExitListener, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OperatorSupervisor.class);

    private final OperatorProcess operator;
    private final RestartBackoff backoff;
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "nixpool-operator-supervisor");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger restartCount = new AtomicInteger();
    private final AtomicInteger crashesInARow = new AtomicInteger();
    private volatile boolean closed;

    OperatorSupervisor(OperatorProcess operator, RestartBackoff backoff) {
        this.operator = operator;
        this.backoff = backoff;
        operator.onUnexpectedExit(this);
    }

    /** How often the operator was started again after an exit nobody asked for. */
    int restarts() {
        return restartCount.get();
    }

    @Override
    public void exited(OperatorProcess exited, long pid, int exitCode, Duration ranFor) {
        if (closed) {
            return;
        }
        if (backoff.healthyRun(ranFor)) {
            crashesInARow.set(0);
        }
        scheduleRestart(String.format("%s (process %d, %s) exited with code %d after %d s", exited.name(), pid,
                exited.identity(), exitCode, ranFor.toSeconds()));
    }

    private void scheduleRestart(String what) {
        Duration delay = backoff.delay(crashesInARow.incrementAndGet());
        int restart = restartCount.incrementAndGet();
        LOG.warnf("%s; restarting it%s (restart %d)", what,
                delay.isZero() ? "" : " in " + delay.toSeconds() + " s", restart);
        try {
            restarts.schedule(this::restart, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile: the cluster is stopping, nothing to restart
        }
    }

    private void restart() {
        if (closed) {
            return;
        }
        try {
            operator.start();
        } catch (RuntimeException e) {
            if (!closed) {
                scheduleRestart(operator.name() + " did not come up again: " + e.getMessage());
            }
        }
    }

    /** No restarts from now on; a restart in progress is interrupted (its process stops). */
    @Override
    public void close() {
        closed = true;
        restarts.shutdownNow();
        try {
            restarts.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
