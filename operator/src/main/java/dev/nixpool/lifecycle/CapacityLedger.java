package dev.nixpool.lifecycle;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.nixpool.Names;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Decision;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.scheduling.Scheduler;

/**
 * The assignments this operator process made, so that capacity is never given out twice.
 * <p>
 * JOSDK reconciles different NixBuilds in parallel, and the informer caches the scheduler reads lag behind the API
 * server: a pod created a moment ago, or a status.machine just written, may not be in the cache yet. Deciding from the
 * cache alone, two parallel reconciles could both see the last free slot. So every decision is taken under this lock and
 * recorded here before the lock is released; the capacity a pool shows is the union of the cache and these
 * reservations (union by key: a build or pod seen in both counts once). A reservation lives until its build ends or is
 * deleted. The operator runs as a single leader, so an in-process lock is enough; after a restart the ledger is empty
 * and the caches, fully synced before the first reconcile, already show every earlier assignment.
 * <p>
 * The same lag holds the other way: a build that just gave back its slot may still show as assigned in the cache, and
 * the event that wakes the builds waiting for the slot (its pod's deletion) can reach them first. So a released build
 * is remembered until the cache no longer shows it holding a slot, and does not count meanwhile. Its pod still counts
 * while it lives, so maxBuilders holds.
 */
@ApplicationScoped
public class CapacityLedger {

    /** A build given a pool by this process, and the builder pod it will get. */
    public record Reservation(String machine, String podName) {
    }

    private final Map<String, Reservation> reservations = new HashMap<>();
    private final Set<String> released = new HashSet<>();

    /** Decides for {@code build} and, when it gets a pool, reserves the slot before anyone else decides. */
    public synchronized Decision scheduleAndReserve(BuildRequest build, ClusterSnapshot snapshot, String podName) {
        Reservation existing = reservations.get(build.key());
        if (existing != null && snapshot.machineNames().contains(existing.machine())) {
            return new Decision.Assign(poolsOf(build.namespace(), snapshot).stream()
                    .filter(p -> p.name().equals(existing.machine()))
                    .findFirst()
                    .orElseThrow());
        }
        List<BuildRequest> waiting = snapshot.waiting().stream()
                .filter(other -> !reservations.containsKey(other.key()))
                .toList();
        Decision decision = Scheduler.schedule(build, poolsOf(build.namespace(), snapshot), waiting);
        if (decision instanceof Decision.Assign assign) {
            reservations.put(build.key(), new Reservation(assign.pool().name(), podName));
            released.remove(build.key());
        }
        return decision;
    }

    /** Records a slot a build already holds: its builder pod exists although its status does not say so yet. */
    public synchronized void adopt(String buildKey, Reservation reservation) {
        reservations.put(buildKey, reservation);
        released.remove(buildKey);
    }

    public synchronized Optional<Reservation> reservation(String buildKey) {
        return Optional.ofNullable(reservations.get(buildKey));
    }

    /** The build ended, lost its builder or is gone: its slot is free now, whatever the cache still shows. */
    public synchronized void release(String buildKey) {
        reservations.remove(buildKey);
        released.add(buildKey);
    }

    /** The pools of the build's namespace with their use: cache and reservations merged. */
    private List<Pool> poolsOf(String namespace, ClusterSnapshot snapshot) {
        Map<String, String> builds = new HashMap<>(snapshot.assignedBuilds());
        released.removeIf(key -> key.startsWith(namespace + "/") && !builds.containsKey(key));
        builds.keySet().removeAll(released);
        Map<String, String> pods = new HashMap<>(snapshot.builderPods());
        reservations.forEach((key, reservation) -> {
            if (key.startsWith(namespace + "/")) {
                builds.put(key, reservation.machine());
                pods.put(reservation.podName(), Names.labelValue(reservation.machine()));
            }
        });
        return snapshot.machines().stream().map(machine -> {
            String name = machine.getMetadata().getName();
            int inFlight = (int) builds.values().stream().filter(name::equals).count();
            int podCount = (int) pods.values().stream().filter(Names.labelValue(name)::equals).count();
            return SchedulingInputs.pool(machine, inFlight, podCount);
        }).toList();
    }
}
