package dev.nixpool.lifecycle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.scheduling.WaitingQueue;

/**
 * The {@link WaitingQueue} of each namespace, kept up to date change by change: the builds the cache shows waiting,
 * less the ones this process placed that the cache still shows waiting. A build the cache starts showing, stops showing
 * or shows with a new spec, and a build placed here or given back, each change the queue in O(log n); only a change of
 * what makes a pool eligible makes it anew.
 * <p>
 * Two locks, taken in this order. Comparing the cache's list with the last one seen (O(n)) happens under this object's
 * own lock ({@link #sync}), outside the {@link CapacityLedger}'s, so the reconciles that need the ledger for anything
 * else do not queue behind it; only applying the difference takes the ledger's lock. A decision for a build the queue
 * already holds does not wait for that comparison at all. Everything else here is called under the ledger's lock.
 */
final class WaitingQueues {

    /** What eligibility depends on: not a pool's free slots or load, which change with every decision. */
    private record PoolShape(String name, List<String> systems, Set<String> supported, Set<String> mandatory,
            String invalid) {
        static PoolShape of(Pool pool) {
            return new PoolShape(pool.name(), pool.systems(), pool.supportedFeatures(), pool.mandatoryFeatures(),
                    pool.invalidReason());
        }
    }

    /** What the cache's list changed since the last one seen: builds that came or changed, and builds that went. */
    record Difference(List<BuildRequest> arrived, List<BuildRequest> left) {
        boolean isEmpty() {
            return arrived.isEmpty() && left.isEmpty();
        }
    }

    /** One namespace's state: {@link #seen} is written under both locks, the rest only under the ledger's. */
    private static final class Namespace {
        /** The cache's list last applied, to tell at once that a list has not changed. */
        private volatile List<BuildRequest> seenList = List.of();
        /** The cache's waiting builds by key, as last applied. */
        private final Map<String, BuildRequest> seen = new ConcurrentHashMap<>();
        private List<PoolShape> shapes;
        private WaitingQueue queue;
    }

    private final Map<String, Namespace> byNamespace = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private long rebuilds;
    private long changes;

    /**
     * Brings the namespace's queue up to the cache's list of its waiting builds: the difference is found under this
     * object's lock and applied through {@code underLedgerLock}, which runs what it is given under the ledger's lock.
     * The same list as last time (the same request objects in the same order) costs one pass of identity checks and no
     * lock.
     *
     * @param reserved whether a build (by key) was placed by this process, asked under the ledger's lock
     */
    void sync(String namespace, List<BuildRequest> waiting, Predicate<String> reserved,
            Consumer<Runnable> underLedgerLock) {
        sync(namespace, waiting, null, reserved, underLedgerLock);
    }

    /**
     * The same for deciding {@code deciding}, which only needs the queue to hold it and every build older than it: a
     * list that holds a build holds every build created before it that still waits (the cache saw their creations
     * first), and builds placed here leave the queue at once ({@link #reserved}). So when the queue already holds this
     * request (this spec of the build), the decision does not wait for another thread comparing lists (during a burst every reconcile
     * brings a list of its own), and once it has waited for one, it compares its own list only if the queue still
     * does not hold it. What it skips comes with the next full sync ({@link CapacityLedger#queue}, asked every
     * queue refresh).
     */
    void sync(String namespace, List<BuildRequest> waiting, BuildRequest deciding, Predicate<String> reserved,
            Consumer<Runnable> underLedgerLock) {
        Namespace state = byNamespace.computeIfAbsent(namespace, ns -> new Namespace());
        if (sameObjects(state.seenList, waiting)) {
            return;
        }
        boolean heldBefore = holds(state, deciding);
        if (heldBefore) {
            if (!lock.tryLock()) {
                return;
            }
        } else {
            lock.lock();
        }
        try {
            if (sameObjects(state.seenList, waiting) || (!heldBefore && holds(state, deciding))) {
                return;
            }
            Difference difference = difference(state.seen, waiting);
            if (!difference.isEmpty()) {
                underLedgerLock.accept(() -> apply(difference, state, reserved));
            }
            state.seenList = waiting;
        } finally {
            lock.unlock();
        }
    }

    /** Held while comparing lists (tests hold it to be another thread comparing). */
    ReentrantLock lock() {
        return lock;
    }

    private static boolean holds(Namespace state, BuildRequest deciding) {
        // equal, not the same object: the deciding reconcile makes its request anew from the build
        return deciding != null && deciding.equals(state.seen.get(deciding.key()));
    }

    /**
     * The namespace's queue for these pools (under the ledger's lock).
     *
     * @param reserved whether a build (by key) was placed by this process: not waiting, whatever the cache shows
     */
    WaitingQueue queue(String namespace, List<Pool> pools, Predicate<String> reserved) {
        Namespace state = byNamespace.computeIfAbsent(namespace, ns -> new Namespace());
        List<PoolShape> shapes = pools.stream().map(PoolShape::of)
                .sorted(Comparator.comparing(PoolShape::name)).toList();
        if (state.queue == null || !shapes.equals(state.shapes)) {
            List<BuildRequest> waiting = new ArrayList<>();
            state.seen.values().stream().filter(build -> !reserved.test(build.key())).forEach(waiting::add);
            state.queue = WaitingQueue.of(waiting, pools);
            state.shapes = shapes;
            rebuilds++;
        }
        return state.queue;
    }

    /** The build was placed here (under the ledger's lock): it leaves its queue, whatever the cache shows. */
    void reserved(String buildKey) {
        for (Namespace state : byNamespace.values()) {
            BuildRequest build = state.seen.get(buildKey);
            if (build != null && state.queue != null) {
                state.queue = state.queue.without(build);
                changes++;
            }
        }
    }

    /** The build gave back what it was placed on (under the ledger's lock): if the cache shows it waiting, it waits. */
    void unreserved(String buildKey) {
        for (Namespace state : byNamespace.values()) {
            BuildRequest build = state.seen.get(buildKey);
            if (build != null && state.queue != null) {
                state.queue = state.queue.with(build);
                changes++;
            }
        }
    }

    /** Full rebuilds of a queue so far: once per namespace and per change of its pools' shapes. */
    long rebuilds() {
        return rebuilds;
    }

    /** Single builds added to or removed from a queue so far. */
    long changes() {
        return changes;
    }

    private void apply(Difference difference, Namespace state, Predicate<String> reserved) {
        for (BuildRequest gone : difference.left()) {
            state.seen.remove(gone.key());
            if (state.queue != null) {
                state.queue = state.queue.without(gone);
                changes++;
            }
        }
        for (BuildRequest build : difference.arrived()) {
            BuildRequest before = state.seen.put(build.key(), build);
            if (state.queue == null || reserved.test(build.key())) {
                continue;
            }
            if (before != null) {
                state.queue = state.queue.without(before);
            }
            state.queue = state.queue.with(build);
            changes++;
        }
    }

    /**
     * O(n) over the list, with no lock but this object's (the list and the map are not changed meanwhile). The keys of
     * the list are collected only when some build went (the cache's list holds each build once).
     */
    static Difference difference(Map<String, BuildRequest> seen, List<BuildRequest> waiting) {
        List<BuildRequest> arrived = new ArrayList<>();
        int stayed = 0;
        for (BuildRequest build : waiting) {
            BuildRequest before = seen.get(build.key());
            if (before != null) {
                stayed++;
            }
            if (before != build) {
                arrived.add(build);
            }
        }
        List<BuildRequest> left = new ArrayList<>();
        if (stayed != seen.size()) {
            Set<String> present = new HashSet<>(waiting.size() * 2);
            waiting.forEach(build -> present.add(build.key()));
            seen.forEach((key, build) -> {
                if (!present.contains(key)) {
                    left.add(build);
                }
            });
        }
        return new Difference(Collections.unmodifiableList(arrived), Collections.unmodifiableList(left));
    }

    private static boolean sameObjects(List<BuildRequest> before, List<BuildRequest> now) {
        if (before == now) {
            return true;
        }
        if (before.size() != now.size()) {
            return false;
        }
        for (int i = 0; i < now.size(); i++) {
            if (before.get(i) != now.get(i)) {
                return false;
            }
        }
        return true;
    }

}
