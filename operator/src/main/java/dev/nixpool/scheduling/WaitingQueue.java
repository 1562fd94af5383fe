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
 * The builds waiting in one namespace, in queue order, and where each one stands: how many older waiting builds compete
 * for each pool it could take, and its position in the queue. The builds are kept in one {@link OrderTree} and, again,
 * in one per eligibility class (the set of pools a build may go to: few, whatever n is), so a build's standing is a
 * count of older builds per class, O(k log n) for n builds and k classes, and a build arriving or leaving makes a new
 * queue in O(k log n) ({@link #with}, {@link #without}) instead of a new sort of all of them. Answers about every build
 * at once ({@link #standing(String)}, {@link #ordered}) take one O(n·k) pass, made once per queue when first asked.
 * <p>
 * The rules are {@link Scheduler}'s: an older build competes for a pool when it is eligible for it by system and
 * features (its own {@code spec.machine} aside, as Nix's queue knows nothing of it); a build's position counts the older
 * builds that compete for any pool it could take, plus one. Immutable: safe to share without a lock.
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

    /** Every build's standing by key, and the builds in order: the whole-queue pass. */
    private record Pass(List<BuildRequest> ordered, Map<String, Standing> standings) {
    }

    private final List<Pool> pools;
    private final OrderTree all;
    /** The builds that compete for some pool, by the pools they compete for (as a set of indexes into pools). */
    private final Map<BitSet, OrderTree> classes;
    private volatile Pass pass;

    private WaitingQueue(List<Pool> pools, OrderTree all, Map<BitSet, OrderTree> classes) {
        this.pools = pools;
        this.all = all;
        this.classes = classes;
    }

    /** @param waiting the namespace's waiting builds in any order; @param pools the namespace's pools */
    public static WaitingQueue of(Collection<BuildRequest> waiting, List<Pool> pools) {
        return of(waiting, pools, BuildRequest.QUEUE_ORDER);
    }

    /** @param order {@link BuildRequest#QUEUE_ORDER}, or one that counts its comparisons (tests) */
    static WaitingQueue of(Collection<BuildRequest> waiting, List<Pool> pools, Comparator<BuildRequest> order) {
        List<Pool> sortedPools = pools.stream().sorted(Comparator.comparing(Pool::name)).toList();
        WaitingQueue queue = new WaitingQueue(sortedPools, OrderTree.empty(order), Map.of());
        for (BuildRequest build : waiting) {
            queue = queue.with(build);
        }
        return queue;
    }

    /**
     * This queue with {@code build} waiting too (in place of the version of it already waiting, which is one with the
     * same creation time and name).
     */
    public WaitingQueue with(BuildRequest build) {
        WaitingQueue from = without(build);
        Map<BitSet, OrderTree> nextClasses = from.classes;
        BitSet competesFor = eligible(build, pools, false);
        if (!competesFor.isEmpty()) {
            nextClasses = new HashMap<>(from.classes);
            nextClasses.put(competesFor,
                    from.classes.getOrDefault(competesFor, OrderTree.empty(all.comparator())).with(build));
        }
        return new WaitingQueue(pools, from.all.with(build), nextClasses);
    }

    /** This queue without the build that has {@code build}'s creation time and name (this queue when none has). */
    public WaitingQueue without(BuildRequest build) {
        BuildRequest queued = all.find(build);
        if (queued == null) {
            return this;
        }
        Map<BitSet, OrderTree> nextClasses = classes;
        BitSet competesFor = eligible(queued, pools, false);
        OrderTree members = classes.get(competesFor);
        if (members != null) {
            nextClasses = new HashMap<>(classes);
            OrderTree rest = members.without(queued);
            if (rest.isEmpty()) {
                nextClasses.remove(competesFor);
            } else {
                nextClasses.put(competesFor, rest);
            }
        }
        return new WaitingQueue(pools, all.without(queued), nextClasses);
    }

    /** The same builds for other pools (a pool came, went or changed what it takes): a new queue of them all. */
    public WaitingQueue withPools(List<Pool> pools) {
        return of(ordered(), pools, all.comparator());
    }

    /**
     * The build's standing: counted among the builds older than it when it is in the queue (the version in the queue),
     * else as the newest build (it is not waiting yet).
     */
    public Standing standing(BuildRequest build) {
        BuildRequest queued = all.find(build);
        if (queued == null) {
            Map<BitSet, Integer> everyone = new HashMap<>();
            classes.forEach((competesFor, members) -> everyone.put(competesFor, members.size()));
            return standing(build, pools, everyone);
        }
        Map<BitSet, Integer> older = new HashMap<>();
        classes.forEach((competesFor, members) -> older.put(competesFor, members.before(queued)));
        return standing(queued, pools, older);
    }

    public Optional<Standing> standing(String key) {
        return Optional.ofNullable(pass().standings().get(key));
    }

    public int size() {
        return all.size();
    }

    /** The waiting builds in queue order. */
    public List<BuildRequest> ordered() {
        return pass().ordered();
    }

    /** The longest path of the trees this queue is kept in: what a change or a standing costs, per class. */
    int depth() {
        int depth = all.depth();
        for (OrderTree members : classes.values()) {
            depth = Math.max(depth, members.depth());
        }
        return depth;
    }

    /**
     * The builds that could take a slot if every slot of their pools were free: for some pool they could take, fewer
     * older builds compete than {@code capacity} gives it. Only these need to look when capacity comes back; the
     * others' turn comes when the builds ahead of them leave the queue. Walks the queue from its head only as far as a
     * build could still contend.
     *
     * @param capacity builds at a time per pool name (a pool absent takes none)
     */
    public Set<String> contenders(Map<String, Integer> capacity) {
        Set<String> result = new LinkedHashSet<>();
        Map<BitSet, Integer> counts = new LinkedHashMap<>();
        for (BuildRequest build : all) {
            Standing standing = standing(build, pools, counts);
            boolean contends = standing.olderPerPool().entrySet().stream()
                    .anyMatch(e -> e.getValue() < capacity.getOrDefault(e.getKey(), 0));
            if (contends) {
                result.add(build.key());
            } else if (allPoolsFull(standing, capacity)) {
                // older counts only grow along the queue: no later build can contend either
                break;
            }
            count(build, counts);
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

    /** The whole-queue pass: one walk in queue order with running counts per class. */
    private Pass pass() {
        Pass known = pass;
        if (known == null) {
            List<BuildRequest> ordered = new ArrayList<>(all.size());
            Map<String, Standing> standings = new HashMap<>(all.size() * 2);
            Map<BitSet, Integer> counts = new LinkedHashMap<>();
            for (BuildRequest build : all) {
                ordered.add(build);
                standings.put(build.key(), standing(build, pools, counts));
                count(build, counts);
            }
            known = new Pass(List.copyOf(ordered), standings);
            pass = known;
        }
        return known;
    }

    private void count(BuildRequest build, Map<BitSet, Integer> counts) {
        BitSet competesFor = eligible(build, pools, false);
        if (!competesFor.isEmpty()) {
            counts.merge(competesFor, 1, Integer::sum);
        }
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
