package dev.nixpool.scheduling;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The builds waiting in one namespace, in queue order, with each one's standing computed once for all of them: how many
 * older waiting builds compete for each pool it could take, and its position in the queue. One pass over the queue
 * costs O(n·k) for n builds and k distinct eligibility classes (the sets of pools a build may go to: few, whatever n
 * is), so a decision reads its answer instead of scanning the queue (which made placing n builds cost n²).
 * <p>
 * The rules are {@link Scheduler}'s: an older build competes for a pool when it is eligible for it by system and
 * features (its own {@code spec.machine} aside, as Nix's queue knows nothing of it); a build's position counts the older
 * builds that compete for any pool it could take, plus one. Pure and immutable.
 */
public final class WaitingQueue {

    /**
     * Where a build stands.
     *
     * @param position 1 = no older build competes for the pools it could take
     * @param olderPerPool for each pool the build could take (its pin applied), the older builds competing for it
     */
    public record Standing(int position, Map<String, Integer> olderPerPool) {
        public Standing {
            olderPerPool = Map.copyOf(olderPerPool);
        }

        public int olderFor(String pool) {
            return olderPerPool.getOrDefault(pool, 0);
        }
    }

    private final List<Pool> pools;
    private final List<BuildRequest> ordered;
    private final Map<String, Standing> standings;
    /** Running counts per eligibility class at the tail: what a build not in the queue (the newest) would see. */
    private final Map<BitSet, Integer> tailCounts;

    private WaitingQueue(List<Pool> pools, List<BuildRequest> ordered, Map<String, Standing> standings,
            Map<BitSet, Integer> tailCounts) {
        this.pools = pools;
        this.ordered = ordered;
        this.standings = standings;
        this.tailCounts = tailCounts;
    }

    /** @param waiting the namespace's waiting builds in any order; @param pools the namespace's pools */
    public static WaitingQueue of(Collection<BuildRequest> waiting, List<Pool> pools) {
        List<Pool> sortedPools = pools.stream().sorted(Comparator.comparing(Pool::name)).toList();
        List<BuildRequest> ordered = new ArrayList<>(waiting);
        ordered.sort(BuildRequest.QUEUE_ORDER);
        Map<String, Standing> standings = new HashMap<>(ordered.size() * 2);
        Map<BitSet, Integer> counts = new LinkedHashMap<>();
        for (BuildRequest build : ordered) {
            standings.put(build.key(), standing(build, sortedPools, counts));
            BitSet competesFor = eligible(build, sortedPools, false);
            if (!competesFor.isEmpty()) {
                counts.merge(competesFor, 1, Integer::sum);
            }
        }
        return new WaitingQueue(sortedPools, List.copyOf(ordered), standings, counts);
    }

    /** The build's standing: from the pass when it is in the queue, else as the newest build (it is not waiting yet). */
    public Standing standing(BuildRequest build) {
        Standing known = standings.get(build.key());
        return known != null ? known : standing(build, pools, tailCounts);
    }

    public Optional<Standing> standing(String key) {
        return Optional.ofNullable(standings.get(key));
    }

    public int size() {
        return ordered.size();
    }

    /**
     * The builds that could take a slot if every slot of their pools were free: for some pool they could take, fewer
     * older builds compete than {@code capacity} gives it. Only these need to look when capacity comes back; the
     * others' turn comes when the builds ahead of them leave the queue.
     *
     * @param capacity builds at a time per pool name (a pool absent takes none)
     */
    public Set<String> contenders(Map<String, Integer> capacity) {
        Set<String> result = new LinkedHashSet<>();
        for (BuildRequest build : ordered) {
            Standing standing = standings.get(build.key());
            boolean contends = standing.olderPerPool().entrySet().stream()
                    .anyMatch(e -> e.getValue() < capacity.getOrDefault(e.getKey(), 0));
            if (contends) {
                result.add(build.key());
            } else if (allPoolsFull(standing, capacity)) {
                // older counts only grow along the queue: no later build can contend either
                break;
            }
        }
        return result;
    }

    private boolean allPoolsFull(Standing standing, Map<String, Integer> capacity) {
        return standing.olderPerPool().size() == pools.size() && pools.stream()
                .allMatch(pool -> standing.olderFor(pool.name()) >= capacity.getOrDefault(pool.name(), 0));
    }

    private static Standing standing(BuildRequest build, List<Pool> pools, Map<BitSet, Integer> counts) {
        BitSet candidates = eligible(build, pools, true);
        Map<String, Integer> older = new HashMap<>();
        int ahead = 0;
        for (Map.Entry<BitSet, Integer> entry : counts.entrySet()) {
            if (entry.getKey().intersects(candidates)) {
                ahead += entry.getValue();
            }
        }
        for (int i = candidates.nextSetBit(0); i >= 0; i = candidates.nextSetBit(i + 1)) {
            int competing = 0;
            for (Map.Entry<BitSet, Integer> entry : counts.entrySet()) {
                if (entry.getKey().get(i)) {
                    competing += entry.getValue();
                }
            }
            older.put(pools.get(i).name(), competing);
        }
        return new Standing(ahead + 1, older);
    }

    /** The pools (by index) eligible for the build; with {@code pinned}, only the one its spec.machine names. */
    private static BitSet eligible(BuildRequest build, List<Pool> pools, boolean pinned) {
        BitSet result = new BitSet(pools.size());
        for (int i = 0; i < pools.size(); i++) {
            Pool pool = pools.get(i);
            if ((!pinned || build.pinnedMachine() == null || build.pinnedMachine().equals(pool.name()))
                    && Eligibility.isEligible(pool, build)) {
                result.set(i);
            }
        }
        return result;
    }
}
