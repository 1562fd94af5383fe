package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.Names;
import dev.nixpool.Names.Reasons;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.RunProgress;
import dev.nixpool.runner.RunResult;

/**
 * Scheduled: wait for the builder pod to be Ready, then connect to it (on a runner thread: the reconcile only
 * dispatches and polls). Connected: {@code BuilderReady=True} and phase Building. A builder that fails the connection
 * is lost (retryable failures) or fails the build (e.g. HostKeyMismatch: a fresh builder would not help).
 */
@ApplicationScoped
public class ScheduledStep implements LifecycleStep {

    private final BuilderProvisioner provisioner;
    private final BuildRunner runner;
    private final RunDispatcher dispatcher;
    private final BuilderLoss loss;
    private final BuildFinisher finisher;
    private final Duration builderRequeue;
    private final Duration poll;
    private final Duration readinessTimeout;

    @Inject
    public ScheduledStep(BuilderProvisioner provisioner, BuildRunner runner, RunDispatcher dispatcher,
            BuilderLoss loss, BuildFinisher finisher, NixpoolConfig config) {
        this.provisioner = provisioner;
        this.runner = runner;
        this.dispatcher = dispatcher;
        this.loss = loss;
        this.finisher = finisher;
        this.builderRequeue = config.scheduling().builderRequeue();
        this.poll = config.runner().pollInterval();
        this.readinessTimeout = config.builder().readinessTimeout();
    }

    @Override
    public NixBuildPhase phase() {
        return NixBuildPhase.Scheduled;
    }

    @Override
    public StepOutcome run(StepContext context) {
        String podName = context.status().getBuilder();
        Optional<Pod> pod = findPod(context, provisioner, podName);
        Optional<String> gone = BuilderPodState.lost(pod, podName);
        if (gone.isPresent()) {
            return loss.lost(context, gone.get());
        }
        if (!BuilderPodState.isReady(pod.get())) {
            waitForReady(context, pod.get(), podName);
            return StepOutcome.requeue(builderRequeue);
        }
        if (pod.get().getStatus().getPodIP() == null) {
            context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.WAITING_FOR_BUILDER,
                    "builder pod " + podName + " is Ready but reports no pod IP yet");
            return StepOutcome.requeue(builderRequeue);
        }
        Optional<RunProgress> progress = runner.progress(RunDispatcher.key(context));
        if (progress.isEmpty()) {
            Optional<String> problem = dispatcher.dispatch(context, pod.get());
            if (problem.isPresent()) {
                return loss.lost(context, problem.get());
            }
            context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.WAITING_FOR_BUILDER, "builder pod "
                    + podName + " is Ready; connecting to " + pod.get().getStatus().getPodIP() + " over SSH");
            return StepOutcome.requeue(poll);
        }
        if (progress.get().connected()) {
            String message = "connected to builder pod " + podName + ": " + progress.get().connection();
            context.condition(Names.CONDITION_BUILDER_READY, true, Reasons.CONNECTED, message);
            context.normalEvent(Reasons.CONNECTED, message);
            context.status().setPhase(NixBuildPhase.Building);
            return StepOutcome.next();
        }
        if (progress.get().result().orElse(null) instanceof RunResult.Failed failed) {
            return connectFailed(context, failed);
        }
        return StepOutcome.requeue(poll);
    }

    private StepOutcome connectFailed(StepContext context, RunResult.Failed failed) {
        if (failed.retryable()) {
            return loss.lost(context, failed.message());
        }
        context.condition(Names.CONDITION_BUILDER_READY, false, failed.reason(), failed.message());
        runner.cancel(RunDispatcher.key(context));
        finisher.failed(context, failed.reason(), failed.message());
        return StepOutcome.next();
    }

    private void waitForReady(StepContext context, Pod pod, String podName) {
        if (isOverdue(pod, context.now())) {
            String message = "builder pod " + podName + " is not Ready after " + readinessTimeout.toSeconds() + "s";
            if (context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.BUILDER_NOT_READY, message)) {
                context.warningEvent(Reasons.BUILDER_NOT_READY, message);
            }
        } else {
            context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.WAITING_FOR_BUILDER,
                    "waiting for builder pod " + podName + " to become Ready");
        }
    }

    /** The cache may not show a pod created a moment ago: ask the API server before calling it lost. */
    static Optional<Pod> findPod(StepContext context, BuilderProvisioner provisioner, String podName) {
        if (podName == null) {
            return Optional.empty();
        }
        return context.cluster().builderPod(context.namespace(), podName)
                .or(() -> provisioner.findPod(context.namespace(), podName));
    }

    private boolean isOverdue(Pod pod, Instant now) {
        String created = pod.getMetadata().getCreationTimestamp();
        return created != null && Instant.parse(created).plus(readinessTimeout).isBefore(now);
    }
}
