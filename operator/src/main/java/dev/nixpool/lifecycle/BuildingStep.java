package dev.nixpool.lifecycle;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.runner.RunProgress;
import dev.nixpool.runner.RunResult;

/**
 * Building: the run works on a runner thread; this step looks at it and the builder pod when either has news. A finished run ends the build;
 * a vanished pod or a broken session is a lost builder. No run for the current attempt means the operator restarted:
 * the attempt is dispatched again on the same builder if its pod is still Ready (Nix finds the output valid, or waits
 * for the running build's lock), otherwise the builder is lost.
 */
@ApplicationScoped
public class BuildingStep implements LifecycleStep {

    private final BuilderAttempt attempt;
    private final Duration progressRequeue;

    public BuildingStep(BuilderAttempt attempt, NixpoolConfig config) {
        this.attempt = attempt;
        this.progressRequeue = config.runner().progressRequeue();
    }

    @Override
    public NixBuildPhase phase() {
        return NixBuildPhase.Building;
    }

    @Override
    public StepOutcome run(StepContext context) {
        String podName = context.status().getBuilder();
        Optional<Pod> pod = attempt.pod(context);
        Optional<String> gone = BuilderPodState.lost(pod, podName);
        if (gone.isPresent()) {
            return attempt.lost(context, gone.get());
        }
        Optional<RunProgress> progress = attempt.progress(context);
        if (progress.isEmpty()) {
            return redispatch(context, pod.get());
        }
        if (progress.get().derivation() != null) {
            Transitions.derivationKnown(context, progress.get().derivation());
        }
        Optional<RunResult> result = progress.get().result();
        if (result.isEmpty()) {
            return StepOutcome.requeue(progressRequeue);
        }
        if (result.get() instanceof RunResult.Failed failed) {
            return attempt.failed(context, failed);
        }
        return attempt.completed(context, (RunResult.Completed) result.get());
    }

    private StepOutcome redispatch(StepContext context, Pod pod) {
        if (!BuilderPodState.isReady(pod) || pod.getStatus().getPodIP() == null) {
            return attempt.lost(context, "builder pod " + pod.getMetadata().getName()
                    + " is no longer Ready and the operator lost its session to it (operator restart)");
        }
        Optional<String> problem = attempt.dispatch(context, pod);
        if (problem.isPresent()) {
            return attempt.lost(context, problem.get());
        }
        String message = "the operator restarted: reconnecting to builder pod " + pod.getMetadata().getName()
                + " to continue attempt " + BuilderLoss.currentAttempt(context.status());
        Transitions.reconnecting(context, message);
        return StepOutcome.requeue(progressRequeue);
    }
}
