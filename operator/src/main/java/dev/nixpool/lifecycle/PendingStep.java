package dev.nixpool.lifecycle;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Decision;

/** Pending: find the build a pool (or say why not), then create its key Secret and builder pod. */
@ApplicationScoped
public class PendingStep implements LifecycleStep {

    private final CapacityLedger ledger;
    private final BuilderProvisioner provisioner;
    private final RetryBackoff backoff;
    private final BuildFinisher finisher;
    private final Duration pendingRequeue;
    private final Duration builderRequeue;

    public PendingStep(CapacityLedger ledger, BuilderProvisioner provisioner, RetryBackoff backoff,
            BuildFinisher finisher, NixpoolConfig config) {
        this.finisher = finisher;
        this.ledger = ledger;
        this.backoff = backoff;
        this.provisioner = provisioner;
        this.pendingRequeue = config.scheduling().pendingRequeue();
        this.builderRequeue = config.scheduling().builderRequeue();
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
        String podName = Names.builderPodName(request.name(), attempt);
        adoptExistingBuilder(context, snapshot, podName);
        Decision decision = ledger.scheduleAndReserve(request, snapshot, podName);
        if (decision instanceof Decision.Assign assign) {
            BuildMachine machine = snapshot.machines().stream()
                    .filter(m -> m.getMetadata().getName().equals(assign.pool().name()))
                    .findFirst()
                    .orElseThrow();
            return assign(context, machine, attempt);
        }
        if (decision instanceof Decision.Wait wait) {
            Transitions.waitingForCapacity(context, wait.position(), "waiting for a free builder slot in BuildMachine "
                    + String.join(", ", wait.eligiblePools()) + ": position " + wait.position() + " in the queue");
        } else if (decision instanceof Decision.Unschedulable unschedulable) {
            Transitions.unschedulable(context, unschedulable.message());
        }
        return StepOutcome.requeue(pendingRequeue);
    }

    /**
     * An operator that stopped after creating the builder pod but before writing the status finds the pod on restart. It
     * holds a slot of its pool: the build takes that slot again rather than waiting for capacity its own pod uses.
     */
    private void adoptExistingBuilder(StepContext context, ClusterSnapshot snapshot, String podName) {
        Optional<Pod> pod = context.cluster().builderPod(context.namespace(), podName)
                .or(() -> provisioner.findPod(context.namespace(), podName))
                .filter(p -> BuilderPods.isOwnedBy(p, context.build().getMetadata().getUid()));
        if (pod.isEmpty()) {
            return;
        }
        String machineLabel = pod.get().getMetadata().getLabels().get(Names.LABEL_MACHINE);
        snapshot.machines().stream()
                .map(m -> m.getMetadata().getName())
                .filter(name -> Names.labelValue(name).equals(machineLabel))
                .findFirst()
                .ifPresent(machine -> ledger.adopt(SchedulingInputs.request(context.build()).key(),
                        new CapacityLedger.Reservation(machine, podName)));
    }

    /** A refusal from the API server fails the build: its quota, admission or validation would refuse a retry too. */
    private StepOutcome assign(StepContext context, BuildMachine machine, int attempt) {
        BuilderProvisioner.Provisioned builder;
        try {
            builder = provisioner.ensure(context.build(), machine, attempt);
        } catch (CreateRejectedException e) {
            Transitions.builderRejected(context, e.getMessage(), finisher.tail(context));
            return StepOutcome.next();
        }
        Transitions.scheduled(context, machine.getMetadata().getName(), builder.podName(), attempt,
                builder.created());
        return StepOutcome.requeue(builderRequeue);
    }
}
