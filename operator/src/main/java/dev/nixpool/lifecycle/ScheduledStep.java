package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.Names;
import dev.nixpool.Names.Reasons;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.config.NixpoolConfig;

/**
 * Scheduled: wait for the builder pod and report its readiness truthfully. Connecting to it over SSH (and with that the
 * BuilderReady=True condition) is the next phase's work.
 */
@ApplicationScoped
public class ScheduledStep implements LifecycleStep {

    private final BuilderProvisioner provisioner;
    private final Duration builderRequeue;
    private final Duration readinessTimeout;

    public ScheduledStep(BuilderProvisioner provisioner, NixpoolConfig config) {
        this.provisioner = provisioner;
        this.builderRequeue = config.scheduling().builderRequeue();
        this.readinessTimeout = config.builder().readinessTimeout();
    }

    @Override
    public NixBuildPhase phase() {
        return NixBuildPhase.Scheduled;
    }

    @Override
    public StepOutcome run(StepContext context) {
        String podName = context.status().getBuilder();
        // the cache may not show a pod created a moment ago: ask the API server before calling it lost
        Optional<Pod> pod = context.cluster().builderPod(context.namespace(), podName)
                .or(() -> provisioner.findPod(context.namespace(), podName));
        if (pod.isEmpty()) {
            lost(context, "builder pod " + podName + " no longer exists");
            return StepOutcome.waitForEvents();
        }
        String podPhase = pod.get().getStatus() != null ? pod.get().getStatus().getPhase() : null;
        if ("Failed".equals(podPhase) || "Succeeded".equals(podPhase)) {
            lost(context, "builder pod " + podName + " ended in phase " + podPhase);
            return StepOutcome.waitForEvents();
        }
        if (isReady(pod.get())) {
            context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.WAITING_FOR_BUILDER, "builder pod "
                    + podName + " is Ready (its sshd accepts TCP); the SSH health check has not run yet");
        } else if (isOverdue(pod.get(), context.now())) {
            String message = "builder pod " + podName + " is not Ready after " + readinessTimeout.toSeconds() + "s";
            if (context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.BUILDER_NOT_READY, message)) {
                context.warningEvent(Reasons.BUILDER_NOT_READY, message);
            }
        } else {
            context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.WAITING_FOR_BUILDER,
                    "waiting for builder pod " + podName + " to become Ready");
        }
        return StepOutcome.requeue(builderRequeue);
    }

    private static void lost(StepContext context, String message) {
        if (context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.BUILDER_LOST, message)) {
            context.warningEvent(Reasons.BUILDER_LOST, message);
        }
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private boolean isOverdue(Pod pod, Instant now) {
        String created = pod.getMetadata().getCreationTimestamp();
        return created != null && Instant.parse(created).plus(readinessTimeout).isBefore(now);
    }
}
