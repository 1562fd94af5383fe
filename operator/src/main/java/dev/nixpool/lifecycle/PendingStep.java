package dev.nixpool.lifecycle;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.Names;
import dev.nixpool.Names.Reasons;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Decision;
import dev.nixpool.status.Conditions;

/** Pending: find the build a pool (or say why not), then create its key Secret and builder pod. */
@ApplicationScoped
public class PendingStep implements LifecycleStep {

    private final CapacityLedger ledger;
    private final BuilderProvisioner provisioner;
    private final RetryBackoff backoff;
    private final Duration pendingRequeue;
    private final Duration builderRequeue;

    public PendingStep(CapacityLedger ledger, BuilderProvisioner provisioner, RetryBackoff backoff,
            NixpoolConfig config) {
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
            assign(context, machine, attempt);
            return StepOutcome.requeue(builderRequeue);
        }
        status.setPhase(NixBuildPhase.Pending);
        if (decision instanceof Decision.Wait wait) {
            boolean newlyWaiting = !Conditions.find(status.getConditions(), Names.CONDITION_SCHEDULED)
                    .map(c -> Reasons.WAITING_FOR_CAPACITY.equals(c.getReason()))
                    .orElse(false);
            status.setQueuePosition(wait.position());
            String message = "waiting for a free builder slot in BuildMachine "
                    + String.join(", ", wait.eligiblePools())
                    + ": position " + wait.position() + " in the queue";
            context.condition(Names.CONDITION_SCHEDULED, false, Reasons.WAITING_FOR_CAPACITY, message);
            if (newlyWaiting) {
                context.warningEvent(Reasons.WAITING_FOR_CAPACITY, message);
            }
        } else if (decision instanceof Decision.Unschedulable unschedulable) {
            status.setQueuePosition(null);
            if (context.condition(Names.CONDITION_SCHEDULED, false, Reasons.UNSCHEDULABLE, unschedulable.message())) {
                context.warningEvent(Reasons.UNSCHEDULABLE, unschedulable.message());
            }
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

    private void assign(StepContext context, BuildMachine machine, int attempt) {
        NixBuildStatus status = context.status();
        String machineName = machine.getMetadata().getName();
        BuilderProvisioner.Provisioned builder = provisioner.ensure(context.build(), machine, attempt);
        status.setPhase(NixBuildPhase.Scheduled);
        status.setMachine(machineName);
        status.setBuilder(builder.podName());
        status.setAttempts(attempt);
        status.setQueuePosition(null);
        if (status.getStartTime() == null) {
            status.setStartTime(Conditions.timestamp(context.now()));
        }
        String scheduled = "assigned to BuildMachine " + machineName;
        if (context.condition(Names.CONDITION_SCHEDULED, true, Reasons.SCHEDULED, scheduled)) {
            context.normalEvent(Reasons.SCHEDULED, scheduled);
        }
        context.condition(Names.CONDITION_BUILDER_READY, false, Reasons.WAITING_FOR_BUILDER,
                "waiting for builder pod " + builder.podName() + " to become Ready");
        if (builder.created()) {
            context.normalEvent(Reasons.BUILDER_CREATED, "created builder pod " + builder.podName()
                    + " and its key Secret " + Names.keySecretName(builder.podName()));
        }
    }
}
