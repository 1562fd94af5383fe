package dev.nixpool.lifecycle;

import java.util.ArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.logs.LogTail;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.runner.RunResult;
import dev.nixpool.status.Reason;

/**
 * What a build's end needs beyond its transition: Nix's verdict turned into buildStatus, outputs and the reason of the
 * {@code Succeeded} condition ({@code kubectl wait --for=condition=Succeeded}), and the log tail. Deleting the builder
 * follows in the final phase's step, once this status is written.
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
        Reason reason = Reason.fromNixStatus(result.status());
        String nixMessage = LogTail.of(result.errorMsg(), 100, MAX_NIX_MESSAGE).strip();
        if (result.success()) {
            status.setOutputs(new ArrayList<>(completed.outputs()));
            String message = "Nix: " + reason
                    + (completed.outputs().isEmpty() ? "" : "; " + completed.outputs().get(0).getPath());
            Transitions.succeeded(context, reason, message, tail(context));
        } else {
            String message = "Nix: " + reason + (nixMessage.isEmpty() ? "" : ": " + nixMessage);
            Transitions.failed(context, reason, message, tail(context));
        }
    }

    /**
     * Nix built the outputs of a build that copies them: buildStatus and outputs are written and the build goes on to
     * Uploading (a failed build ends as {@link #completed} says).
     */
    public void builtForUpload(StepContext context, RunResult.Completed completed, String uri) {
        BuildResult result = completed.result();
        NixBuildStatus status = context.status();
        status.setBuildStatus(result.status().nixName());
        status.setOutputs(new ArrayList<>(completed.outputs()));
        Transitions.builtForUpload(context, "Nix: " + Reason.fromNixStatus(result.status()), uri);
    }

    /** The Succeeded condition's reason once the upload is done: Nix's verdict, from status.buildStatus. */
    static Reason nixReason(NixBuildStatus status) {
        for (BuildStatus s : BuildStatus.values()) {
            if (s.nixName().equals(status.getBuildStatus())) {
                return Reason.fromNixStatus(s);
            }
        }
        return Reason.BUILT;
    }

    /** The end of the current attempt's log, for status.logTail. */
    public String tail(StepContext context) {
        return logs.tail(context.namespace(), context.build().getMetadata().getName(),
                BuilderLoss.currentAttempt(context.status()), tailLines, tailBytes);
    }
}
