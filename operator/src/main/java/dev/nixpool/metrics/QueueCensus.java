package dev.nixpool.metrics;

import static dev.nixpool.metrics.MeterNames.NO_POOL;
import static dev.nixpool.metrics.MeterNames.TAG_FEATURES;
import static dev.nixpool.metrics.MeterNames.TAG_NAMESPACE;
import static dev.nixpool.metrics.MeterNames.TAG_POOL;
import static dev.nixpool.metrics.MeterNames.TAG_SYSTEM;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.micrometer.core.instrument.Tags;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.lifecycle.SchedulingInputs;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Eligibility;

/**
 * The builds that wait for a pool, counted by what they need. A build waits while no pool holds it
 * ({@link SchedulingInputs#isWaiting}): for capacity, for a pool that can take it, or out a lost builder's backoff.
 * Pure: it reads the lists it is given.
 *
 * @param queued per namespace, pool, system and feature set: a build is counted once in every pool that could take it
 *        (eligible by Nix's rules and, when the build names a machine, only that one), which is each pool's own demand;
 *        a build no pool can take is counted under {@link MeterNames#NO_POOL}
 * @param waiting per namespace, system and feature set: every waiting build once
 */
public record QueueCensus(Map<Tags, Long> queued, Map<Tags, Long> waiting) {

    public static QueueCensus of(Collection<NixBuild> builds, Collection<BuildMachine> machines) {
        Map<Tags, Long> queued = new HashMap<>();
        Map<Tags, Long> waiting = new HashMap<>();
        for (NixBuild build : builds) {
            if (!SchedulingInputs.isWaiting(build)) {
                continue;
            }
            BuildRequest request = SchedulingInputs.request(build);
            Tags needs = Tags.of(TAG_NAMESPACE, request.namespace(), TAG_SYSTEM, request.system(), TAG_FEATURES,
                    String.join(",", new TreeSet<>(request.requiredFeatures())));
            waiting.merge(needs, 1L, Long::sum);
            List<String> pools = poolsFor(request, machines);
            if (pools.isEmpty()) {
                queued.merge(needs.and(TAG_POOL, NO_POOL), 1L, Long::sum);
            }
            pools.forEach(pool -> queued.merge(needs.and(TAG_POOL, pool), 1L, Long::sum));
        }
        return new QueueCensus(queued, waiting);
    }

    /** The pools the scheduler could place the build on, whether or not they have room now. */
    private static List<String> poolsFor(BuildRequest request, Collection<BuildMachine> machines) {
        return machines.stream()
                .filter(m -> request.namespace().equals(m.getMetadata().getNamespace()))
                .filter(m -> request.pinnedMachine() == null
                        || request.pinnedMachine().equals(m.getMetadata().getName()))
                .filter(m -> Eligibility.isEligible(SchedulingInputs.pool(m, 0, 0), request))
                .map(m -> m.getMetadata().getName())
                .sorted()
                .toList();
    }
}
