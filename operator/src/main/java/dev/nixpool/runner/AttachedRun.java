package dev.nixpool.runner;

import java.util.List;

import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.logs.BuildLog;
import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.status.Reason;

/**
 * A run driven from outside (see {@link RunDriver}): its driver reports the milestones a {@link BuildJob} would, and
 * writes the build's log, kept like any other build's. Thread-safe; once the run is cancelled (its builder lost, the
 * build deleted or timed out) reports are ignored and the driver's cancel action has run.
 */
public final class AttachedRun {

    private final Run run;
    private final LogStore logs;
    private BuildLog log;
    private boolean finished;

    AttachedRun(Run run, LogStore logs) {
        this.run = run;
        this.logs = logs;
    }

    /** What stops the driver's work on a cancel; false (and run at once) if the run was cancelled already. */
    public boolean onCancel(Runnable stop) {
        return run.attach(stop);
    }

    public boolean cancelled() {
        return run.cancelled();
    }

    public synchronized void connected(String connection) {
        line("[nixpool] connected to the builder: " + connection);
        run.connected(connection);
    }

    public void derivation(String drvPath) {
        run.derivation(drvPath);
    }

    public synchronized void line(String line) {
        if (finished) {
            return;
        }
        if (log == null) {
            RunRequest r = run.request();
            log = logs.open(r.namespace(), r.name(), r.key().uid(), r.key().attempt());
        }
        log.line(line);
    }

    /** Nix's verdict; outputs are the path infos of the valid outputs. */
    public void completed(BuildResult result, List<BuildOutput> outputs) {
        finish(new RunResult.Completed(result, outputs));
    }

    /** The run ended without Nix's verdict; never retried (the client's connection is gone with it). */
    public void failed(Reason reason, String message) {
        line("[nixpool] " + message);
        finish(new RunResult.Failed(reason, message, false));
    }

    private void finish(RunResult result) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            if (log != null) {
                log.close();
            }
        }
        run.finish(result);
    }
}
