package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.scheduling.WaitingQueue;

/**
 * The ledger's queues follow the cache's lists and this process's placements change by change, and hold what a queue
 * made anew of the cache's waiting builds less the placed ones would hold.
 */
class WaitingQueuesTest {

    private static final String NS = "ns";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Pool X86 = pool("x86", Set.of(), Set.of());
    private static final Pool KVM = pool("kvm", Set.of("kvm"), Set.of());
    private static final Pool BIG = pool("big", Set.of(), Set.of("big"));
    private static final List<Set<String>> FEATURES = List.of(Set.of(), Set.of("kvm"), Set.of("big"));

    private static Pool pool(String name, Set<String> supported, Set<String> mandatory) {
        return new Pool(name, List.of("x86_64-linux"), supported, mandatory, 1, 1.0, 1, 0, null);
    }

    private static BuildRequest build(Random random, String name, Instant created) {
        return new BuildRequest(NS, name, created, "x86_64-linux", FEATURES.get(random.nextInt(FEATURES.size())),
                null);
    }

    /**
     * Random steps of the cache (a build shows up, leaves, gets a new spec, is deleted and made again under its name, or
     * a stale list comes back), of this process (a build placed, one given back) and of the pools; after each step the
     * queue is the one a full rebuild gives.
     */
    @Test
    void theKeptQueueIsTheRebuiltOneAfterEveryStep() {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            WaitingQueues queues = new WaitingQueues();
            Map<String, BuildRequest> cache = new LinkedHashMap<>();
            Set<String> reserved = new HashSet<>();
            List<List<BuildRequest>> earlier = new ArrayList<>(List.of(List.of()));
            List<Pool> pools = List.of(X86, KVM, BIG);
            for (int step = 0; step < 120; step++) {
                List<String> keys = new ArrayList<>(cache.keySet());
                int op = random.nextInt(12);
                List<BuildRequest> shown = null;
                if (op < 4 || keys.isEmpty()) {
                    BuildRequest build = build(random, "b" + step, T0.plusSeconds(random.nextInt(30)));
                    cache.put(build.key(), build);
                } else if (op < 6) {
                    cache.remove(keys.get(random.nextInt(keys.size())));
                } else if (op < 7) {
                    BuildRequest before = cache.get(keys.get(random.nextInt(keys.size())));
                    cache.put(before.key(), build(random, before.name(), before.created()));
                } else if (op < 8) {
                    BuildRequest before = cache.get(keys.get(random.nextInt(keys.size())));
                    cache.put(before.key(), build(random, before.name(), before.created().plusSeconds(60)));
                } else if (op < 9) {
                    shown = earlier.get(random.nextInt(earlier.size()));
                } else if (op < 10) {
                    String key = keys.get(random.nextInt(keys.size()));
                    if (reserved.add(key)) {
                        queues.reserved(key);
                    }
                } else if (op < 11 && !reserved.isEmpty()) {
                    String key = reserved.iterator().next();
                    reserved.remove(key);
                    queues.unreserved(key);
                } else {
                    pools = random.nextBoolean() ? List.of(X86, KVM, BIG) : List.of(BIG, X86);
                }
                if (shown == null) {
                    List<BuildRequest> list = new ArrayList<>(cache.values());
                    Collections.shuffle(list, random);
                    shown = List.copyOf(list);
                }
                earlier.add(shown);
                queues.sync(NS, shown, reserved::contains, Runnable::run);
                WaitingQueue kept = queues.queue(NS, pools, reserved::contains);
                WaitingQueue rebuilt = WaitingQueue.of(
                        shown.stream().filter(b -> !reserved.contains(b.key())).toList(), pools);
                String when = "round " + round + " step " + step;
                assertThat(kept.ordered()).as(when).containsExactlyElementsOf(rebuilt.ordered());
                for (BuildRequest build : rebuilt.ordered()) {
                    assertThat(kept.standing(build)).as(when + " " + build)
                            .isEqualTo(rebuilt.standing(build.key()).orElseThrow());
                }
            }
        }
    }

    /**
     * During a burst every reconcile brings a list of its own: a decision for a build the queue already holds does not
     * wait while another thread compares lists (its standing counts only older builds, which the queue holds too); one
     * for a build the queue does not hold yet brings its list in.
     */
    @Test
    void aDecisionForAQueuedBuildDoesNotWaitForAnotherComparison() throws Exception {
        WaitingQueues queues = new WaitingQueues();
        Random random = new Random(3);
        List<Pool> pools = List.of(X86, KVM, BIG);
        List<BuildRequest> shown = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            shown.add(build(random, "b" + i, T0.plusSeconds(i)));
        }
        queues.sync(NS, List.copyOf(shown), key -> false, Runnable::run);
        assertThat(queues.queue(NS, pools, key -> false).size()).isEqualTo(10);
        BuildRequest queued = shown.get(5);
        BuildRequest again = new BuildRequest(NS, queued.name(), queued.created(), queued.system(),
                queued.requiredFeatures(), queued.pinnedMachine());
        shown.add(build(random, "b10", T0.plusSeconds(10)));
        List<BuildRequest> longer = List.copyOf(shown);

        ExecutorService other = Executors.newSingleThreadExecutor();
        queues.lock().lock();
        try {
            other.submit(() -> queues.sync(NS, longer, again, key -> false, Runnable::run)).get(30, TimeUnit.SECONDS);
        } finally {
            queues.lock().unlock();
            other.shutdownNow();
        }
        assertThat(queues.queue(NS, pools, key -> false).size()).as("skipped while another compares").isEqualTo(10);

        queues.sync(NS, longer, shown.get(10), key -> false, Runnable::run);
        assertThat(queues.queue(NS, pools, key -> false).ordered()).containsExactlyElementsOf(longer);
    }

    /**
     * A burst of n builds, each showing up in the cache's list and then decided: one queue made at the start, then one
     * change per build, however long the queue is (a rebuild per arrival made the burst cost n² log n).
     */
    @Test
    void aBurstChangesTheQueueOncePerBuildAndNeverRebuildsIt() {
        WaitingQueues queues = new WaitingQueues();
        Random random = new Random(1);
        List<Pool> pools = List.of(X86, KVM, BIG);
        List<BuildRequest> shown = new ArrayList<>();
        Set<String> reserved = new HashSet<>();
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            shown.add(build(random, "b" + i, T0.plusMillis(i)));
            queues.sync(NS, List.copyOf(shown), reserved::contains, Runnable::run);
            assertThat(queues.queue(NS, pools, reserved::contains).size()).isEqualTo(i + 1);
        }
        assertThat(queues.rebuilds()).as("the first queue only").isEqualTo(1);
        assertThat(queues.changes()).as("one per arrival after the first").isEqualTo(n - 1);

        List<BuildRequest> same = List.copyOf(shown);
        queues.sync(NS, same, reserved::contains, change -> {
            throw new AssertionError("an unchanged list takes the ledger's lock");
        });
        assertThat(queues.changes()).isEqualTo(n - 1);
    }
}
