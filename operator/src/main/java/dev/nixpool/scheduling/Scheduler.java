package dev.nixpool.scheduling;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Chooses a pool for a build the way Nix chooses a remote machine, with one global first-come-first-served queue on top.
 * Pure: callers pass the pools (with their current use) and the builds still waiting.
 */
public final class Scheduler {

    /**
     * Nix's preference among machines with a free slot (build-remote.cc): lowest load per speed, then the faster
     * machine, then the less loaded one (kept to mirror Nix, though equal ratio and equal speed imply equal load); the
     * pool name stands in for Nix's machines-file order.
     */
    static final Comparator<Pool> PREFERENCE = Comparator
            .comparingDouble((Pool pool) -> pool.load() / pool.speedFactor())
            .thenComparing(Comparator.comparingDouble(Pool::speedFactor).reversed())
            .thenComparingInt(Pool::load)
            .thenComparing(Pool::name);

    private Scheduler() {
    }

    /**
     * A build takes a free slot of a pool only if fewer older waiting builds could use that pool than it has free slots:
     * no build overtakes an older one, and none starves.
     *
     * @param pools the pools of the build's namespace
     * @param waiting the builds not yet assigned, in any order (the build itself may be among them)
     */
    public static Decision schedule(BuildRequest build, List<Pool> pools, List<BuildRequest> waiting) {
        // pools are namespaced: only builds of the same namespace compete for them
        List<BuildRequest> sameNamespace = waiting.stream()
                .filter(other -> other.namespace().equals(build.namespace()))
                .toList();
        return schedule(build, pools, WaitingQueue.of(sameNamespace, pools));
    }

    /**
     * The same with the namespace's queue computed beforehand (once per change, shared by every decision until the
     * next one): a decision then costs O(pools), not O(waiting builds).
     */
    public static Decision schedule(BuildRequest build, List<Pool> pools, WaitingQueue queue) {
        List<Pool> candidates = pools;
        if (build.pinnedMachine() != null) {
            Optional<Pool> pinned = pools.stream().filter(p -> p.name().equals(build.pinnedMachine())).findFirst();
            if (pinned.isEmpty()) {
                return new Decision.Unschedulable("spec.machine names BuildMachine " + build.pinnedMachine()
                        + ", which does not exist in namespace " + build.namespace() + needsSuffix(build));
            }
            candidates = List.of(pinned.get());
        }
        if (candidates.isEmpty()) {
            return new Decision.Unschedulable(
                    "no BuildMachine exists in namespace " + build.namespace() + needsSuffix(build));
        }
        List<Pool> eligible = candidates.stream().filter(p -> Eligibility.isEligible(p, build)).toList();
        if (eligible.isEmpty()) {
            return new Decision.Unschedulable(declineTable(build, candidates));
        }
        WaitingQueue.Standing standing = queue.standing(build);
        Optional<Pool> chosen = eligible.stream()
                .filter(pool -> standing.olderFor(pool.name()) < pool.freeSlots())
                .min(PREFERENCE);
        if (chosen.isPresent()) {
            return new Decision.Assign(chosen.get());
        }
        return new Decision.Wait(standing.position(), eligible.stream().map(Pool::name).toList());
    }

    /** In the spirit of Nix's "Failed to find a machine for remote build!" table: one line per pool. */
    static String declineTable(BuildRequest build, List<Pool> pools) {
        return "no BuildMachine can build " + build.describeNeeds() + ":\n" + pools.stream()
                .sorted(Comparator.comparing(Pool::name))
                .map(pool -> "- " + pool.name() + " (" + pool.describe() + "): "
                        + String.join("; ", Eligibility.declines(pool, build)))
                .collect(Collectors.joining("\n"));
    }

    private static String needsSuffix(BuildRequest build) {
        return " to build " + build.describeNeeds();
    }
}
