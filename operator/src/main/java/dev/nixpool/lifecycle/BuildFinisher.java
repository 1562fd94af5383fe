package dev.nixpool.lifecycle;

import java.util.ArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.logs.LogTail;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.runner.RunResult;
import dev.nixpool.status.Conditions;

/**
 * Ends a build: phase Succeeded or Failed, the {@code Succeeded} condition ({@code kubectl wait
 * --for=condition=Succeeded}), buildStatus, outputs, log tail, completion time, and one Event. Deleting the builder and
 * releasing its slot follow in the final phase's step, once this status is written.
 */
@ApplicationScoped
public class BuildFinisher {

    /** Conditions live in etcd: keep the end of a long Nix error, where its cause is. */
    static final int MAX_NIX_MESSAGE = 4096;

    private final LogStore logs;
    private final int tailLines;
    private final int tailBytes;

    @Inject
    public BuildFinisher(LogStore logs, NixpoolConfig config) {
        this(logs, config.logs().tailLines(), config.logs().tailBytes());
    }

    public BuildFinisher(LogStore logs, int tailLines, int tailBytes) {
        this.logs = logs;
        this.tailLines = tailLines;
        this.tailBytes = tailBytes;
    }

    /** Nix gave its verdict: success with outputs, or a build failure (whose reason is Nix's status name). */
    public void completed(StepContext context, RunResult.Completed completed) {
        BuildResult result = completed.result();
        NixBuildStatus status = context.status();
        status.setBuildStatus(result.status().nixName());
        String nixMessage = LogTail.of(result.errorMsg(), 100, MAX_NIX_MESSAGE).strip();
        if (result.success()) {
            status.setOutputs(new ArrayList<>(completed.outputs()));
            String message = "Nix: " + result.status().nixName()
                    + (completed.outputs().isEmpty() ? "" : "; " + completed.outputs().get(0).getPath());
            end(context, true, result.status().nixName(), message);
        } else {
            String message = "Nix: " + result.status().nixName() + (nixMessage.isEmpty() ? "" : ": " + nixMessage);
            end(context, false, result.status().nixName(), message);
        }
    }

    /** The build failed without (or before) Nix's verdict: reason e.g. BuilderLost, TimedOut, HostKeyMismatch. */
    public void failed(StepContext context, String reason, String message) {
        end(context, false, reason, message);
    }

    private void end(StepContext context, boolean succeeded, String reason, String message) {
        NixBuildStatus status = context.status();
        status.setPhase(succeeded ? NixBuildPhase.Succeeded : NixBuildPhase.Failed);
        status.setQueuePosition(null);
        status.setCompletionTime(Conditions.timestamp(context.now()));
        int attempt = status.getAttempts() != null && status.getAttempts() > 0 ? status.getAttempts() : 1;
        String tail = logs.tail(context.namespace(), context.build().getMetadata().getName(), attempt, tailLines,
                tailBytes);
        status.setLogTail(tail.isEmpty() ? null : tail);
        context.condition(Names.CONDITION_SUCCEEDED, succeeded, reason, message);
        if (succeeded) {
            context.normalEvent(reason, message);
        } else {
            context.warningEvent(reason, message);
        }
    }
}
