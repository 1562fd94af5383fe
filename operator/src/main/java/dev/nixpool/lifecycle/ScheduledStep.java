package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.runner.RunProgress;
import dev.nixpool.runner.RunResult;

/**
 * Scheduled: wait for the builder pod to be Ready, then connect to it (on a runner thread: the reconcile only
 * dispatches; the run's events wake it again). Connected: {@code BuilderReady=True} and phase Building. A builder that fails the connection
 * is lost (retryable failures) or fails the build (e.g. HostKeyMismatch: a fresh builder would not help).
 */
@ApplicationScoped
public class ScheduledStep implements LifecycleStep {

    private final BuilderAttempt attempt;
    private final Duration builderRequeue;
    private final Duration progressRequeue;
    private final Duration readinessTimeout;

    public ScheduledStep(BuilderAttempt attempt, NixpoolConfig config) {
        this.attempt = attempt;
        this.builderRequeue = config.scheduling().builderRequeue();
        this.progressRequeue = config.runner().progressRequeue();
        this.readinessTimeout = config.builder().readinessTimeout();
    }

    @Override
    public NixBuildPhase phase() {
        return NixBuildPhase.Scheduled;
    }

    @Override
    public StepOutcome run(StepContext context) {
        String podName = context.status().getBuilder();
        Optional<Pod> pod = attempt.pod(context);
        Optional<String> gone = BuilderPodState.lost(pod, podName);
        if (gone.isPresent()) {
            return attempt.lost(context, gone.get());
        }
        if (!BuilderPodState.isReady(pod.get())) {
            waitForReady(context, pod.get(), podName);
            return StepOutcome.requeue(builderRequeue);
        }
        if (pod.get().getStatus().getPodIP() == null) {
            Transitions.waitingForBuilder(context, "builder pod " + podName + " is Ready but reports no pod IP yet");
            return StepOutcome.requeue(builderRequeue);
        }
        Optional<RunProgress> progress = attempt.progress(context);
        if (progress.isEmpty()) {
            Optional<String> problem = attempt.dispatch(context, pod.get());
            if (problem.isPresent()) {
                return attempt.lost(context, problem.get());
            }
            Transitions.waitingForBuilder(context, "builder pod " + podName + " is Ready; connecting to "
                    + pod.get().getStatus().getPodIP() + " over SSH");
            return StepOutcome.requeue(progressRequeue);
        }
        if (progress.get().connected()) {
            String message = "connected to builder pod " + podName + ": " + progress.get().connection();
            Transitions.connected(context, message);
            return StepOutcome.next();
        }
        if (progress.get().result().orElse(null) instanceof RunResult.Failed failed) {
            return attempt.connectFailed(context, failed);
        }
        return StepOutcome.requeue(progressRequeue);
    }

    private void waitForReady(StepContext context, Pod pod, String podName) {
        if (isOverdue(pod, context.now())) {
            String message = "builder pod " + podName + " is not Ready after " + readinessTimeout.toSeconds() + "s";
            Transitions.builderNotReady(context, message);
        } else {
            Transitions.waitingForBuilder(context, "waiting for builder pod " + podName + " to become Ready");
        }
    }

    private boolean isOverdue(Pod pod, Instant now) {
        String created = pod.getMetadata().getCreationTimestamp();
        return created != null && Instant.parse(created).plus(readinessTimeout).isBefore(now);
    }
}
