package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Decision;

class CapacityLedgerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final BuildMachine PAIR = TestResources.machine("ns", "pair", 2, List.of("x86_64-linux"),
            List.of(), List.of());

    private static BuildRequest build(int n) {
        return new BuildRequest("ns", "b" + n, T0.plusSeconds(n), "x86_64-linux", Set.of(), null);
    }

    /** Every reconcile sees the same stale cache: nothing assigned, no pods. The ledger alone keeps the cap. */
    @Test
    void parallelDecisionsOnAStaleCacheNeverExceedMaxBuilders() throws Exception {
        CapacityLedger ledger = new CapacityLedger();
        int builds = 16;
        ClusterSnapshot stale = new ClusterSnapshot(List.of(PAIR), Map.of(), Map.of(), List.of());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Decision>> decisions = new ArrayList<>();
            for (int i = 0; i < builds; i++) {
                BuildRequest build = build(i);
                Callable<Decision> decide = () -> {
                    start.await();
                    return ledger.scheduleAndReserve(build, stale, build.name() + "-builder-1");
                };
                decisions.add(pool.submit(decide));
            }
            start.countDown();
            long assigned = 0;
            for (Future<Decision> decision : decisions) {
                if (decision.get(10, TimeUnit.SECONDS) instanceof Decision.Assign) {
                    assigned++;
                }
            }
            assertThat(assigned).isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReservedBuildKeepsItsPoolAndAReleasedOneFreesIt() {
        CapacityLedger ledger = new CapacityLedger();
        ClusterSnapshot empty = new ClusterSnapshot(List.of(PAIR), Map.of(), Map.of(), List.of());
        assertThat(ledger.scheduleAndReserve(build(1), empty, "b1-builder-1")).isInstanceOf(Decision.Assign.class);
        assertThat(ledger.scheduleAndReserve(build(2), empty, "b2-builder-1")).isInstanceOf(Decision.Assign.class);
        assertThat(ledger.scheduleAndReserve(build(3), empty, "b3-builder-1")).isInstanceOf(Decision.Wait.class);
        assertThat(ledger.scheduleAndReserve(build(1), empty, "b1-builder-1"))
                .as("asking again is idempotent").isInstanceOf(Decision.Assign.class);
        assertThat(ledger.reservation("ns/b1")).contains(new CapacityLedger.Reservation("pair", "b1-builder-1"));

        ledger.release("ns/b1");
        assertThat(ledger.scheduleAndReserve(build(3), empty, "b3-builder-1")).isInstanceOf(Decision.Assign.class);
    }

    /** After a restart the ledger is empty; the cache's pods and assigned builds fill the pool. */
    @Test
    void theCacheCountsOnceEvenWhenAlsoReserved() {
        CapacityLedger ledger = new CapacityLedger();
        ClusterSnapshot oneRunning = new ClusterSnapshot(List.of(PAIR), Map.of("ns/b1", "pair"),
                Map.of("b1-builder-1", "pair"), List.of());
        assertThat(ledger.scheduleAndReserve(build(1), oneRunning, "b1-builder-1")).isInstanceOf(Decision.Assign.class);
        assertThat(ledger.scheduleAndReserve(build(2), oneRunning, "b2-builder-1")).isInstanceOf(Decision.Assign.class);
        assertThat(ledger.scheduleAndReserve(build(3), oneRunning, "b3-builder-1")).isInstanceOf(Decision.Wait.class);
    }

    /**
     * The cache still shows a released build as assigned (its final status is not written yet) when the deletion of
     * its pod wakes a waiting build: the slot is free all the same. Its pod, while alive, still counts.
     */
    @Test
    void aReleasedBuildTheCacheStillShowsAssignedFreesItsSlotButNotItsLivePod() {
        BuildMachine single = TestResources.machine("ns", "single", 1, List.of("x86_64-linux"), List.of(), List.of());
        CapacityLedger ledger = new CapacityLedger();
        ClusterSnapshot lagging = new ClusterSnapshot(List.of(single), Map.of("ns/b1", "single"), Map.of(),
                List.of());
        ClusterSnapshot laggingWithPod = new ClusterSnapshot(List.of(single), Map.of("ns/b1", "single"),
                Map.of("b1-builder-1", "single"), List.of());
        assertThat(ledger.scheduleAndReserve(build(2), lagging, "b2-builder-1")).isInstanceOf(Decision.Wait.class);

        ledger.release("ns/b1");
        assertThat(ledger.scheduleAndReserve(build(2), laggingWithPod, "b2-builder-1"))
                .as("b1's pod is still alive").isInstanceOf(Decision.Wait.class);
        assertThat(ledger.scheduleAndReserve(build(2), lagging, "b2-builder-1")).isInstanceOf(Decision.Assign.class);
    }

    /** Once the cache has caught up, a released build that is scheduled again counts like any other. */
    @Test
    void aReleasedBuildScheduledAgainHoldsItsNewSlot() {
        BuildMachine single = TestResources.machine("ns", "single", 1, List.of("x86_64-linux"), List.of(), List.of());
        CapacityLedger ledger = new CapacityLedger();
        ClusterSnapshot empty = new ClusterSnapshot(List.of(single), Map.of(), Map.of(), List.of());
        ledger.release("ns/b1");
        assertThat(ledger.scheduleAndReserve(build(1), empty, "b1-builder-2")).isInstanceOf(Decision.Assign.class);
        ClusterSnapshot b1Assigned = new ClusterSnapshot(List.of(single), Map.of("ns/b1", "single"), Map.of(),
                List.of());
        assertThat(ledger.scheduleAndReserve(build(2), b1Assigned, "b2-builder-1")).isInstanceOf(Decision.Wait.class);
    }
}
