package dev.nixpool.lifecycle;

import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Decision;
import dev.nixpool.scheduling.WaitRequeue;

/**
 * Pending: find the build a pool and a builder there (or say why not): an idle builder if the pool has one, else one
 * that is starting, else a new one the build starts now.
 */
@ApplicationScoped
public class PendingStep implements LifecycleStep {

    private static final Logger LOG = Logger.getLogger(PendingStep.class);

    private final CapacityLedger ledger;
    private final BuilderProvisioner provisioner;
    private final RetryBackoff backoff;
    private final BuildFinisher finisher;
    private final Duration pendingRequeue;

    public PendingStep(CapacityLedger ledger, BuilderProvisioner provisioner, RetryBackoff backoff,
            BuildFinisher finisher, NixpoolConfig config) {
        this.finisher = finisher;
        this.ledger = ledger;
        this.backoff = backoff;
        this.provisioner = provisioner;
        this.pendingRequeue = config.scheduling().pendingRequeue();
    }

    @Override
    public NixBuildPhase phase() {
        return NixBuildPhase.Pending;
    }

    @Override
    public StepOutcome run(StepContext context) {
        NixBuildStatus status = context.status();
        int attempt = status.getAttempts() != null && status.getAttempts() > 0 ? status.getAttempts() : 1;
        BuildRequest request = SchedulingInputs.request(context.build());
        Duration pause = backoff.remaining(request.key(), context.now());
        if (!pause.isZero()) {
            // a lost builder's pause before the next attempt
            return StepOutcome.requeue(pause);
        }
        ClusterSnapshot snapshot = context.cluster().snapshot(context.namespace());
        // a killed predecessor may have started this attempt's builder without recording it: take it back
        ledger.adopt(request, attempt, snapshot, context.now());
        CapacityLedger.Placement placement = ledger.place(request, snapshot, context.now());
        if (placement.assigned()) {
            BuildMachine machine = snapshot.machine(placement.machine()).orElseThrow();
            return assign(context, machine, placement, attempt);
        }
        if (placement.decision() instanceof Decision.Wait wait) {
            int shown = shownPosition(context, request, wait.position());
            Transitions.waitingForCapacity(context, shown, "waiting for a free builder slot in BuildMachine "
                    + String.join(", ", wait.eligiblePools()) + ": position " + shown + " in the queue");
            long capacity = capacity(snapshot, wait);
            if (wait.position() > capacity) {
                // builds ahead take every slot first: its turn comes as they leave the queue (events), not as the
                // ledger settles, and a whole queue looking again every settle would cost n reconciles each time;
                // the farther from the head, the rarer its safety net
                return StepOutcome.requeue(WaitRequeue.after(pendingRequeue, wait.position(), capacity));
            }
        } else if (placement.decision() instanceof Decision.Unschedulable unschedulable) {
            Transitions.unschedulable(context, unschedulable.message());
        }
        Duration settle = ledger.settlesIn(context.namespace(), context.now()).orElse(pendingRequeue);
        return StepOutcome.requeue(settle.compareTo(pendingRequeue) < 0 ? settle.plusMillis(50) : pendingRequeue);
    }

    /** Whether the Scheduled step will dispatch to the builder at once: its pod is Ready and has an IP. */
    private static boolean dispatchable(StepContext context, String podName) {
        return context.cluster().builderPod(context.namespace(), podName)
                .filter(pod -> BuilderPodState.isReady(pod) && pod.getStatus().getPodIP() != null)
                .isPresent();
    }

    /**
     * The queue position the build shows: a first one (paid from the namespace's position budget), or a new one when the namespace's position budget allows it
     * ({@link ClusterView#mayMovePosition}); else the one it shows already, brought up to date in its turn.
     */
    private static int shownPosition(StepContext context, BuildRequest request, int position) {
        Integer shown = context.status().getQueuePosition();
        if (shown == null) {
            context.cluster().firstPositionShown(context.namespace());
            return position;
        }
        if (shown == position || context.cluster().mayMovePosition(context.namespace(), request.key())) {
            return position;
        }
        return shown;
    }

    /** Builds at a time the pools the build waits for can run, if every slot were free. */
    private static long capacity(ClusterSnapshot snapshot, Decision.Wait wait) {
        return wait.eligiblePools().stream().flatMap(name -> snapshot.machine(name).stream())
                .map(SchedulingInputs::settings)
                .mapToLong(settings -> (long) settings.maxBuilders() * settings.jobsPerBuilder())
                .sum();
    }

    /**
     * Starts the new builder, or marks the chosen ephemeral one as this build's. A refusal from the API server fails
     * the build: its quota, admission or validation would refuse a retry too.
     */
    private StepOutcome assign(StepContext context, BuildMachine machine, CapacityLedger.Placement placement,
            int attempt) {
        boolean ephemeral = SchedulingInputs.isEphemeral(machine);
        Map<String, String> claimLabels = ephemeral
                ? Names.claimLabels(context.build().getMetadata().getName(), attempt)
                : Map.of();
        boolean created = false;
        if (placement.newSlot() != null) {
            try {
                created = provisioner.create(machine, placement.pod(), placement.newSlot(), claimLabels);
                ledger.createdNow(context.namespace(), placement.pod());
            } catch (CreateRejectedException e) {
                ledger.retire(context.namespace(), placement.pod(), context.now());
                ledger.release(context.namespace(), SchedulingInputs.key(context.build()), null, true,
                        context.now());
                Transitions.builderRejected(context, e.getMessage(), finisher.tail(context));
                return StepOutcome.next();
            }
        } else if (ephemeral && !dispatchable(context, placement.pod())) {
            // a Ready builder is labelled by its dispatch, in this reconcile, once its run is under way
            // (BuilderAttempt#dispatch); a starting one may take long to be Ready, so it is labelled now
            provisioner.claim(context.namespace(), placement.pod(), claimLabels);
        }
        LOG.debugf("NixBuild %s/%s placed on builder pod %s (new: %s)", context.namespace(),
                context.build().getMetadata().getName(), placement.pod(), placement.newSlot() != null);
        Transitions.scheduled(context, machine.getMetadata().getName(), placement.pod(), attempt, created);
        return StepOutcome.next();
    }
}
