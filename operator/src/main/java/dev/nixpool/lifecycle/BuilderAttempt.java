package dev.nixpool.lifecycle;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.RunProgress;
import dev.nixpool.runner.RunResult;

/**
 * What the Scheduled and Building steps do with the current attempt: find its pod, dispatch and read its run, and end
 * it as lost or failed.
 */
@ApplicationScoped
public class BuilderAttempt {

    private final BuilderProvisioner provisioner;
    private final BuildRunner runner;
    private final RunDispatcher dispatcher;
    private final BuilderLoss loss;
    private final BuildFinisher finisher;
    private final CapacityLedger ledger;

    public BuilderAttempt(BuilderProvisioner provisioner, BuildRunner runner, RunDispatcher dispatcher,
            BuilderLoss loss, BuildFinisher finisher, CapacityLedger ledger) {
        this.ledger = ledger;
        this.provisioner = provisioner;
        this.runner = runner;
        this.dispatcher = dispatcher;
        this.loss = loss;
        this.finisher = finisher;
    }

    /** The cache may not show a pod created a moment ago: ask the API server before calling it lost. */
    Optional<Pod> pod(StepContext context) {
        String podName = context.status().getBuilder();
        if (podName == null) {
            return Optional.empty();
        }
        // a pod this process is still creating is not asked for: the cache shows it once it exists
        return context.cluster().builderPod(context.namespace(), podName)
                .or(() -> beingCreated(context) ? Optional.empty() : provisioner.findPod(context.namespace(), podName));
    }

    /**
     * The build took a starting builder that another build or the pool decided to start a moment ago, and its creator
     * has not created the pod yet: not there, but not lost.
     */
    boolean beingCreated(StepContext context) {
        String podName = context.status().getBuilder();
        return podName != null && ledger.beingCreated(context.namespace(), podName, context.now());
    }

    Optional<RunProgress> progress(StepContext context) {
        return runner.progress(RunDispatcher.key(context));
    }

    /**
     * Dispatches the attempt to its Ready pod, then marks an ephemeral builder as the build's (its claim labels) if it
     * is not yet: the run's SSH work does not wait for that API write. Why not if it cannot be dispatched.
     */
    Optional<String> dispatch(StepContext context, Pod pod) {
        Optional<String> problem = dispatcher.dispatch(context, pod);
        boolean ephemeral = context.cluster().snapshot(context.namespace()).machine(context.status().getMachine())
                .map(SchedulingInputs::isEphemeral).orElse(false);
        if (problem.isEmpty() && ephemeral) {
            Map<String, String> claim = Names.claimLabels(context.build().getMetadata().getName(),
                    BuilderLoss.currentAttempt(context.status()));
            Map<String, String> labels = pod.getMetadata().getLabels();
            if (labels == null || !labels.entrySet().containsAll(claim.entrySet())) {
                provisioner.claim(context.namespace(), pod.getMetadata().getName(), claim);
            }
        }
        return problem;
    }

    StepOutcome lost(StepContext context, String why) {
        return loss.lost(context, why);
    }

    /** A run that ended without Nix's verdict: a lost builder if a fresh one may help, else the build fails. */
    StepOutcome failed(StepContext context, RunResult.Failed failed) {
        if (failed.retryable()) {
            return loss.lost(context, failed.message());
        }
        runner.cancel(RunDispatcher.key(context));
        Transitions.failed(context, failed.reason(), failed.message(), finisher.tail(context));
        return StepOutcome.next();
    }

    /** As {@link #failed}, for a run that never connected: the builder is what failed (e.g. HostKeyMismatch). */
    StepOutcome connectFailed(StepContext context, RunResult.Failed failed) {
        if (failed.retryable()) {
            return loss.lost(context, failed.message());
        }
        runner.cancel(RunDispatcher.key(context));
        Transitions.connectFailed(context, failed.reason(), failed.message(), finisher.tail(context));
        return StepOutcome.next();
    }

    /** Nix's verdict; a success with a copyTo destination goes on to Uploading instead of ending. */
    StepOutcome completed(StepContext context, RunResult.Completed completed) {
        Optional<CopyTo> copyTo = completed.result().success()
                ? CopyDestinations.copyTo(context)
                : Optional.empty();
        if (copyTo.isPresent()) {
            finisher.builtForUpload(context, completed, copyTo.get().getUri());
        } else {
            finisher.completed(context, completed);
        }
        return StepOutcome.next();
    }
}
