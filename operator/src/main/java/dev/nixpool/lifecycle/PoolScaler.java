package dev.nixpool.lifecycle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.capacity.BuilderCounts;
import dev.nixpool.capacity.ScalePlan;
import dev.nixpool.status.Reason;

/**
 * Carries out a pool's plan from the {@link CapacityLedger}: starts the warm builders minIdle asks for and stops the
 * ones that are done, idle too long or not Ready in time. Builders for waiting builds are started by the builds
 * themselves (PendingStep), so a build never waits for this controller.
 */
@ApplicationScoped
public class PoolScaler {

    /**
     * The pool's builders by state after the plan, the Events to publish, when to look again, and its Ready builder pods
     * that take builds (the operator keeps its connections to them open).
     */
    public record Outcome(BuilderCounts counts, List<StepContext.PendingEvent> events, Optional<Instant> nextLook,
            List<Pod> ready, List<Pod> idle) {

        /**
         * The counts with the idle builders that are still {@code warming} (their kept connection named just now, in
         * the same reconcile) counted as starting: idle means a build starts on it at once.
         */
        public Outcome recounted(Predicate<Pod> warming) {
            int stillWarming = (int) idle.stream().filter(warming).count();
            if (stillWarming == 0) {
                return this;
            }
            BuilderCounts now = new BuilderCounts(counts.total(), counts.starting() + stillWarming,
                    counts.idle() - stillWarming, counts.busy());
            return new Outcome(now, events, nextLook, ready, idle);
        }
    }

    private final CapacityLedger ledger;
    private final BuilderProvisioner provisioner;
    /** The pools whose orphaned key Secrets this process has looked for. */
    private final Set<String> swept = ConcurrentHashMap.newKeySet();

    public PoolScaler(CapacityLedger ledger, BuilderProvisioner provisioner) {
        this.ledger = ledger;
        this.provisioner = provisioner;
    }

    public Outcome scale(BuildMachine machine, ClusterSnapshot snapshot, Instant now) {
        String namespace = machine.getMetadata().getNamespace();
        if (swept.add(namespace + "/" + machine.getMetadata().getName() + "/" + machine.getMetadata().getUid())) {
            // once per pool and process: only a killed predecessor leaves a key Secret without its pod
            provisioner.deleteOrphanSecrets(machine, snapshot.builderPods(), pod -> ledger.decidedHere(namespace,
                    pod), ledger.started());
        }
        CapacityLedger.PoolScale scale = ledger.plan(machine, snapshot, now);
        List<StepContext.PendingEvent> events = new ArrayList<>();
        // a retired builder stays in the plan until the caches show it gone: its build's end (or this pool's earlier
        // plan) may have deleted it already; the Event names only the builders this plan stops
        List<ScalePlan.Retirement> stopped = scale.plan().delete().stream()
                .filter(r -> ledger.deleteOnce(namespace, r.name(), now, () -> provisioner.delete(namespace, r.name())))
                .toList();
        if (!stopped.isEmpty()) {
            events.add(new StepContext.PendingEvent(false, Reason.SCALED_DOWN, "stopped builder pod(s) "
                    + stopped.stream().map(r -> r.name() + " (" + r.why() + ")").collect(Collectors.joining(", "))));
        }
        List<String> started = new ArrayList<>();
        for (CapacityLedger.NewBuilder builder : scale.creates()) {
            try {
                provisioner.create(machine, builder.pod(), builder.slot(), Map.of());
                ledger.createdNow(namespace, builder.pod());
                started.add(builder.pod());
            } catch (CreateRejectedException e) {
                ledger.retire(namespace, builder.pod(), now);
                events.add(new StepContext.PendingEvent(true, Reason.BUILDER_REJECTED,
                        "could not start a warm builder: " + e.getMessage()));
                break;
            }
        }
        if (!started.isEmpty()) {
            events.add(new StepContext.PendingEvent(false, Reason.SCALED_UP, "started builder pod(s) "
                    + String.join(", ", started) + " to keep minIdle " + machine.getSpec().getMinIdle()
                    + " builder(s) warm"));
        }
        Set<String> ready = Set.copyOf(scale.ready());
        List<Pod> readyPods = snapshot.builderPods().stream()
                .filter(p -> ready.contains(p.getMetadata().getName()))
                .toList();
        Set<String> idle = Set.copyOf(scale.idle());
        List<Pod> idlePods = readyPods.stream().filter(p -> idle.contains(p.getMetadata().getName())).toList();
        return new Outcome(scale.counts(), events, nextLook(scale.plan().nextDeadline(), namespace, now), readyPods,
                idlePods);
    }

    /**
     * The plan's own deadline, or sooner when the ledger settles: until then a builder deleted a moment ago still
     * counts (the caches lag), so a pool at maxBuilders cannot replace it yet, and once its pod is gone no event may
     * come to say that the slot is free.
     */
    private Optional<Instant> nextLook(Optional<Instant> deadline, String namespace, Instant now) {
        Optional<Instant> settles = ledger.settlesIn(namespace, now).map(now::plus);
        if (settles.isEmpty()) {
            return deadline;
        }
        return Optional.of(deadline.filter(d -> d.isBefore(settles.get())).orElse(settles.get()));
    }

    /** A drained pool's key Secrets and store claims; true when nothing of the pool is left. */
    public boolean deleteRemains(BuildMachine machine) {
        return provisioner.deleteRemains(machine);
    }
}
