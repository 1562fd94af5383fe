package dev.nixpool.runner;

import java.util.Optional;
import java.util.concurrent.Future;

import dev.nixpool.remote.BuilderSession;

/**
 * One dispatched attempt: its progress, written by its worker thread and read by reconciles, and its session. Each
 * milestone is told to the listener after the progress shows it.
 */
final class Run {

    private final RunRequest request;
    private final RunListener listener;
    private volatile String connection;
    private volatile String derivation;
    private volatile RunResult result;
    private volatile boolean cancelled;
    private BuilderSession session;
    private Runnable closer;
    private Future<?> future;

    Run(RunRequest request, RunListener listener) {
        this.request = request;
        this.listener = listener;
    }

    RunRequest request() {
        return request;
    }

    RunProgress progress() {
        return new RunProgress(connection, derivation, Optional.ofNullable(result));
    }

    void connected(String connection) {
        this.connection = connection;
        tell(RunMilestone.CONNECTED);
    }

    void derivation(String derivation) {
        this.derivation = derivation;
        tell(RunMilestone.DERIVATION_KNOWN);
    }

    void finish(RunResult result) {
        this.result = result;
        tell(RunMilestone.FINISHED);
    }

    private void tell(RunMilestone milestone) {
        if (!cancelled) {
            listener.reached(request, milestone);
        }
    }

    boolean cancelled() {
        return cancelled;
    }

    synchronized void started(Future<?> future) {
        this.future = future;
        if (cancelled) {
            future.cancel(true);
        }
    }

    /** Registers the open session so that a cancel can close it; false (and the session closed) if cancelled already. */
    synchronized boolean attach(BuilderSession session) {
        if (cancelled) {
            session.close();
            return false;
        }
        this.session = session;
        return true;
    }

    /**
     * The run is done with its session, which may now serve another build (a kept builder's spare): a later cancel of
     * this run must not close it.
     */
    synchronized void detach(BuilderSession session) {
        if (this.session == session) {
            this.session = null;
        }
    }

    /**
     * For a run driven from outside (a gateway client's connection): what ends its work on a cancel; false (and run at
     * once) if cancelled already.
     */
    synchronized boolean attach(Runnable onCancel) {
        if (cancelled) {
            onCancel.run();
            return false;
        }
        this.closer = onCancel;
        return true;
    }

    /** Ends the run: closing the session ends the remote build; a run still queued never starts. */
    void cancel() {
        BuilderSession open;
        Runnable close;
        synchronized (this) {
            cancelled = true;
            open = session;
            close = closer;
            if (future != null) {
                future.cancel(false);
            }
        }
        if (open != null) {
            open.close();
        }
        if (close != null) {
            close.run();
        }
    }
}
