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
    /** The CRD's default, for a pool deleted while its build waits for a builder. */
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(600);

    public ScheduledStep(BuilderAttempt attempt, NixpoolConfig config) {
        this.attempt = attempt;
        this.builderRequeue = config.scheduling().builderRequeue();
        this.progressRequeue = config.runner().progressRequeue();
    }

    @Override
    public NixBuildPhase phase() {
        return NixBuildPhase.Scheduled;
    }

    @Override
    public StepOutcome run(StepContext context) {
        String podName = context.status().getBuilder();
        Optional<Pod> pod = attempt.pod(context);
        if (pod.isEmpty() && attempt.beingCreated(context)) {
            // its creation (an event of its own) wakes this build; the requeue is the safety net
            Transitions.waitingForBuilder(context, "waiting for builder pod " + podName + " to be created");
            return StepOutcome.requeue(builderRequeue);
        }
        Optional<String> gone = BuilderPodState.lost(pod, podName);
        if (gone.isPresent()) {
            return attempt.lost(context, gone.get());
        }
        if (!BuilderPodState.isReady(pod.get())) {
            return waitForReady(context, pod.get(), podName);
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

    /**
     * Waits for the pod, saying why in the pod's own words; past the pool's builderStartTimeoutSeconds the attempt ends
     * as a lost builder with that reason (retried on a fresh builder, or failed when no retries are left).
     */
    private StepOutcome waitForReady(StepContext context, Pod pod, String podName) {
        Optional<String> problem = PodWaitReason.of(pod);
        Duration startTimeout = startTimeout(context);
        Instant created = pod.getMetadata().getCreationTimestamp() != null
                ? Instant.parse(pod.getMetadata().getCreationTimestamp())
                : context.now();
        Instant deadline = created.plus(startTimeout);
        if (!context.now().isBefore(deadline)) {
            return attempt.lost(context, "builder pod " + podName + " was not Ready within "
                    + startTimeout.toSeconds() + "s (builderStartTimeoutSeconds)"
                    + problem.map(p -> ": it " + p).orElse(""));
        }
        if (problem.isPresent()) {
            Transitions.builderNotReady(context, "builder pod " + podName + " " + problem.get());
        } else {
            Transitions.waitingForBuilder(context, "waiting for builder pod " + podName + " to become Ready");
        }
        Duration untilDeadline = Duration.between(context.now(), deadline).plusMillis(500);
        return StepOutcome.requeue(untilDeadline.compareTo(builderRequeue) < 0 ? untilDeadline : builderRequeue);
    }

    private static Duration startTimeout(StepContext context) {
        return context.cluster().snapshot(context.namespace()).machine(context.status().getMachine())
                .map(m -> SchedulingInputs.settings(m).startTimeout())
                .orElse(DEFAULT_START_TIMEOUT);
    }
}
