package dev.nixpool.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * A queue kept change by change ({@link WaitingQueue#with}, {@link WaitingQueue#without}) is the queue a full rebuild
 * makes of the same builds, and a change costs O(log n) comparisons, not O(n log n).
 */
class IncrementalWaitingQueueTest {

    private static final String NS = "ns";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final List<Pool> POOLS = List.of(WaitingQueueTest.pool("x86", List.of("x86_64-linux"), Set.of(),
            Set.of()), WaitingQueueTest.pool("kvm", List.of("x86_64-linux"), Set.of("kvm"), Set.of()),
            WaitingQueueTest.pool("arm", List.of("aarch64-linux"), Set.of(), Set.of()),
            WaitingQueueTest.pool("big", List.of("x86_64-linux"), Set.of(), Set.of("big")));
    private static final List<String> SYSTEMS = List.of("x86_64-linux", "aarch64-linux", "riscv64-linux");
    private static final List<Set<String>> FEATURES = List.of(Set.of(), Set.of("kvm"), Set.of("big"),
            Set.of("kvm", "big"));
    private static final List<String> PINS = List.of("x86", "kvm", "gone");

    private static BuildRequest random(Random random, String name, Instant created) {
        String pin = random.nextInt(5) == 0 ? PINS.get(random.nextInt(PINS.size())) : null;
        return new BuildRequest(NS, name, created, SYSTEMS.get(random.nextInt(SYSTEMS.size())),
                FEATURES.get(random.nextInt(FEATURES.size())), pin);
    }

    /**
     * Random arrivals (some with equal timestamps), departures, spec changes and pool changes: after every step the kept
     * queue answers exactly what {@link WaitingQueue#of} answers for the same builds, build by build.
     */
    @Test
    void changeByChangeEqualsAFullRebuildAfterEveryStep() {
        Random random = new Random(13);
        for (int round = 0; round < 20; round++) {
            Map<String, BuildRequest> waiting = new LinkedHashMap<>();
            List<Pool> pools = POOLS;
            WaitingQueue kept = WaitingQueue.of(List.of(), pools);
            for (int step = 0; step < 150; step++) {
                int op = random.nextInt(10);
                List<String> keys = new ArrayList<>(waiting.keySet());
                if (op < 5 || keys.isEmpty()) {
                    BuildRequest build = random(random, "b" + round + "-" + step, T0.plusSeconds(random.nextInt(40)));
                    waiting.put(build.key(), build);
                    kept = kept.with(build);
                } else if (op < 8) {
                    BuildRequest gone = waiting.remove(keys.get(random.nextInt(keys.size())));
                    kept = kept.without(gone);
                } else if (op < 9) {
                    BuildRequest before = waiting.get(keys.get(random.nextInt(keys.size())));
                    BuildRequest edited = random(random, before.name(), before.created());
                    waiting.put(edited.key(), edited);
                    kept = kept.with(edited);
                } else {
                    pools = POOLS.subList(0, 1 + random.nextInt(POOLS.size()));
                    kept = kept.withPools(pools);
                }
                assertSame(kept, WaitingQueue.of(waiting.values(), pools), List.copyOf(waiting.values()),
                        random(random, "newcomer", T0.plusSeconds(random.nextInt(40))), pools,
                        "round " + round + " step " + step);
            }
        }
    }

    private static void assertSame(WaitingQueue kept, WaitingQueue rebuilt, List<BuildRequest> waiting,
            BuildRequest newcomer, List<Pool> pools, String when) {
        assertThat(kept.size()).as(when).isEqualTo(rebuilt.size());
        assertThat(kept.ordered()).as(when).containsExactlyElementsOf(rebuilt.ordered());
        for (BuildRequest build : waiting) {
            WaitingQueue.Standing expected = rebuilt.standing(build.key()).orElseThrow();
            assertThat(kept.standing(build)).as(when + ": counted " + build).isEqualTo(expected);
            assertThat(kept.standing(build.key())).as(when + ": passed " + build).contains(expected);
        }
        assertThat(kept.standing(newcomer)).as(when + ": " + newcomer).isEqualTo(rebuilt.standing(newcomer));
        for (int slots = 0; slots < 4; slots++) {
            Map<String, Integer> capacity = new LinkedHashMap<>();
            for (Pool pool : pools) {
                capacity.put(pool.name(), (slots * 7 + pool.name().length()) % 5);
            }
            assertThat(kept.contenders(capacity)).as(when + " " + capacity)
                    .containsExactlyElementsOf(rebuilt.contenders(capacity));
        }
    }

    /**
     * What the N = 10,000 burst did: builds arrive one at a time, each decided against the queue with it in. Kept change
     * by change, the comparisons per build grow with log n (8x the builds: well under 2x the comparisons per build), where
     * a rebuild per arrival made them grow with n log n.
     */
    @Test
    void aBurstCostsLogNComparisonsPerBuild() {
        double small = comparisonsPerArrival(1_000);
        double large = comparisonsPerArrival(8_000);
        assertThat(large).as("per build at 8,000 against %.1f at 1,000", small).isLessThan(2 * small);
        assertThat(large).as("a rebuild per arrival alone would cost n log n").isLessThan(Math.log(8_000) * 40);
    }

    private static double comparisonsPerArrival(int n) {
        AtomicLong comparisons = new AtomicLong();
        Comparator<BuildRequest> counting = (a, b) -> {
            comparisons.incrementAndGet();
            return BuildRequest.QUEUE_ORDER.compare(a, b);
        };
        Random random = new Random(n);
        WaitingQueue queue = WaitingQueue.of(List.of(), POOLS, counting);
        for (int i = 0; i < n; i++) {
            // in creation order, the worst case for a search tree that does not balance itself
            BuildRequest build = random(random, "build-" + i, T0.plusMillis(i));
            queue = queue.with(build);
            assertThat(Scheduler.schedule(build, POOLS, queue)).isNotNull();
        }
        assertThat(queue.depth()).as("depth of %d builds", n).isLessThanOrEqualTo(4 * log2(n));
        return comparisons.get() / (double) n;
    }

    private static int log2(int n) {
        return 32 - Integer.numberOfLeadingZeros(n);
    }
}
