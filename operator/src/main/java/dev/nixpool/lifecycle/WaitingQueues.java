package dev.nixpool.lifecycle;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.scheduling.WaitingQueue;

/**
 * The {@link WaitingQueue} of each namespace, computed again only when something it depends on changed: the waiting
 * builds the cache shows (the same request objects, compared by identity: the cache hands out the same ones while a
 * build's spec stays), the builds this process placed that the cache still shows waiting, or what makes a pool
 * eligible. Between changes every decision and every event in the namespace shares one queue. Not thread-safe: the
 * {@link CapacityLedger} calls it under its lock.
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

    private record Entry(List<BuildRequest> list, Set<BuildRequest> waiting, long reservations,
            List<PoolShape> pools, WaitingQueue queue) {
    }

    private final Map<String, Entry> byNamespace = new HashMap<>();

    /**
     * @param reserved keys of builds placed by this process (not waiting any more, whatever the cache shows)
     * @param reservationsVersion changes whenever {@code reserved} does
     */
    WaitingQueue queue(String namespace, List<BuildRequest> waiting, List<Pool> pools, Set<String> reserved,
            long reservationsVersion) {
        List<PoolShape> shapes = pools.stream().map(PoolShape::of).toList();
        Entry entry = byNamespace.get(namespace);
        if (entry != null && entry.reservations() == reservationsVersion && entry.pools().equals(shapes)
                && (entry.list() == waiting || sameObjects(entry.waiting(), waiting))) {
            return entry.queue();
        }
        Set<BuildRequest> current = Collections.newSetFromMap(new IdentityHashMap<>(waiting.size() * 2));
        current.addAll(waiting);
        WaitingQueue queue = WaitingQueue.of(
                waiting.stream().filter(build -> !reserved.contains(build.key())).toList(), pools);
        byNamespace.put(namespace, new Entry(waiting, current, reservationsVersion, shapes, queue));
        return queue;
    }

    private static boolean sameObjects(Set<BuildRequest> known, List<BuildRequest> now) {
        if (known.size() != now.size()) {
            return false;
        }
        for (BuildRequest build : now) {
            if (!known.contains(build)) {
                return false;
            }
        }
        return true;
    }
}
