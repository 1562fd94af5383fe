package dev.nixpool.reconcile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.capacity.PoolSettings;
import dev.nixpool.lifecycle.CapacityLedger;
import dev.nixpool.lifecycle.SchedulingInputs;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.WaitingQueue;

/**
 * The waiting builds of a namespace as the NixBuild controller's caches show them, as scheduler requests and as the
 * ledger's shared queue. A build's request is made once per spec generation and then handed out as the same object,
 * which is what lets the ledger see that its queue has not changed.
 */
final class WaitingBuilds {

    private record Cached(Long generation, BuildRequest request) {
    }

    /** A namespace's waiting builds as last handed out, and their requests. */
    private record Listed(List<NixBuild> builds, List<BuildRequest> requests) {
    }

    private final IndexerResourceCache<NixBuild> builds;
    private final IndexerResourceCache<BuildMachine> machines;
    private final CapacityLedger ledger;
    private final PositionBudget positions;
    private final Map<String, Cached> requests = new ConcurrentHashMap<>();
    private final Map<String, Listed> listed = new ConcurrentHashMap<>();

    WaitingBuilds(IndexerResourceCache<NixBuild> builds, IndexerResourceCache<BuildMachine> machines,
            CapacityLedger ledger, PositionBudget positions) {
        this.builds = builds;
        this.machines = machines;
        this.ledger = ledger;
        this.positions = positions;
    }

    /** The budget for rewriting these builds' queue positions. */
    PositionBudget positions() {
        return positions;
    }

    /** The namespaces that have pools: a waiting build elsewhere has no queue position to keep up to date. */
    Set<String> namespaces() {
        return machines.list().map(m -> m.getMetadata().getNamespace()).collect(Collectors.toSet());
    }

    List<NixBuild> builds(String namespace) {
        return builds.byIndex(BuildIndexes.WAITING, namespace);
    }

    /**
     * Every reconcile of a waiting build asks for this; while the cache hands out the same build objects in the same
     * order (the informer replaces an object on every change), the list made last time is handed out again, the same
     * list object, which is also what lets the ledger see at once that its queue has not changed.
     */
    List<BuildRequest> requests(String namespace) {
        List<NixBuild> now = builds(namespace);
        Listed last = listed.get(namespace);
        if (last != null && sameObjects(last.builds(), now)) {
            return last.requests();
        }
        List<BuildRequest> result = Collections.unmodifiableList(requests(now));
        listed.put(namespace, new Listed(now, result));
        return result;
    }

    private static boolean sameObjects(List<NixBuild> before, List<NixBuild> now) {
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

    List<BuildRequest> requests(List<NixBuild> waiting) {
        List<BuildRequest> result = new ArrayList<>(waiting.size());
        for (NixBuild build : waiting) {
            result.add(request(build));
        }
        return result;
    }

    WaitingQueue queue(String namespace) {
        return ledger.queue(namespace, machines(namespace), requests(namespace));
    }

    /** The waiting builds that could take a slot now if their pools had every slot free (capacity came back). */
    Set<ResourceID> contenders(String namespace) {
        List<BuildMachine> pools = machines(namespace);
        Map<String, Integer> capacity = new HashMap<>();
        for (BuildMachine pool : pools) {
            PoolSettings settings = SchedulingInputs.settings(pool);
            capacity.put(pool.getMetadata().getName(), settings.maxBuilders() * settings.jobsPerBuilder());
        }
        return ledger.queue(namespace, pools, requests(namespace)).contenders(capacity).stream()
                .map(key -> new ResourceID(key.substring(namespace.length() + 1), namespace))
                .collect(Collectors.toSet());
    }

    /** The build is gone: its request is not needed again. */
    void forget(NixBuild build) {
        requests.remove(build.getMetadata().getUid());
        positions.forget(build.getMetadata().getNamespace() + "/" + build.getMetadata().getName());
    }

    private BuildRequest request(NixBuild build) {
        String uid = build.getMetadata().getUid();
        Long generation = build.getMetadata().getGeneration();
        Cached cached = uid != null ? requests.get(uid) : null;
        if (cached != null && Objects.equals(cached.generation(), generation)) {
            return cached.request();
        }
        BuildRequest request = SchedulingInputs.request(build);
        if (uid != null) {
            requests.put(uid, new Cached(generation, request));
        }
        return request;
    }

    private List<BuildMachine> machines(String namespace) {
        return machines.list(namespace, m -> true).toList();
    }
}
