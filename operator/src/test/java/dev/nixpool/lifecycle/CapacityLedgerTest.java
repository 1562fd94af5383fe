package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.builder.BuilderPodRenderer;
import dev.nixpool.builder.KeySecretRenderer;
import dev.nixpool.capacity.BuilderCounts;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Decision;

/** The ledger over stale and lagging caches: capacity is never given twice, and is rebuilt from the cluster. */
class CapacityLedgerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final NixpoolConfig CONFIG = TestConfig.nixpool(Map.of());
    private static final BuilderDefaults DEFAULTS = BuilderDefaults.from(CONFIG);
    private static final NixpoolConfig.Scheduling SCHEDULING = CONFIG.scheduling();
    private static final BuildMachine PAIR = TestResources.machine("ns", "pair", 2, List.of("x86_64-linux"),
            List.of(), List.of());

    private static BuildRequest build(int n) {
        return new BuildRequest("ns", "b" + n, T0.plusSeconds(n), "x86_64-linux", Set.of(), null);
    }

    private static CapacityLedger ledger() {
        AtomicInteger names = new AtomicInteger();
        return new CapacityLedger(DEFAULTS, false, T0, () -> "s" + names.incrementAndGet(), SCHEDULING);
    }

    private static ClusterSnapshot snapshot(BuildMachine machine, Map<String, ClusterSnapshot.Claim> claims,
            List<Pod> pods) {
        return new ClusterSnapshot(List.of(machine), claims, pods, Set.of(), List.of());
    }

    /** A builder pod of the pool as the cache would show it. */
    private static Pod pod(BuildMachine machine, String name, int slot, boolean ready) {
        Pod pod = BuilderPodRenderer.render(machine, name, slot, Map.of(), DEFAULTS);
        pod.getMetadata().setCreationTimestamp(T0.toString());
        pod.setStatus(new PodBuilder().withNewStatus().withPhase(ready ? "Running" : "Pending")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus().build().getStatus());
        return pod;
    }

    /** Every reconcile sees the same stale cache: nothing assigned, no pods. The ledger alone keeps the cap. */
    @Test
    void parallelDecisionsOnAStaleCacheNeverExceedMaxBuilders() throws Exception {
        CapacityLedger ledger = ledger();
        ClusterSnapshot stale = snapshot(PAIR, Map.of(), List.of());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<CapacityLedger.Placement>> placements = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                BuildRequest build = build(i);
                Callable<CapacityLedger.Placement> decide = () -> {
                    start.await();
                    return ledger.place(build, stale, T0);
                };
                placements.add(pool.submit(decide));
            }
            start.countDown();
            Set<String> pods = new HashSet<>();
            for (Future<CapacityLedger.Placement> placement : placements) {
                CapacityLedger.Placement p = placement.get(10, TimeUnit.SECONDS);
                if (p.assigned()) {
                    pods.add(p.pod());
                    assertThat(p.newSlot()).as("a new builder for each: none exists").isNotNull();
                }
            }
            assertThat(pods).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPlacedBuildKeepsItsBuilderAndAReleasedOneFreesIt() {
        CapacityLedger ledger = ledger();
        ClusterSnapshot empty = snapshot(PAIR, Map.of(), List.of());
        CapacityLedger.Placement first = ledger.place(build(1), empty, T0);
        assertThat(first.pod()).isEqualTo("pair-0-s1");
        assertThat(first.newSlot()).isZero();
        assertThat(ledger.place(build(2), empty, T0).pod()).isEqualTo("pair-1-s2");
        assertThat(ledger.place(build(3), empty, T0).decision()).isInstanceOf(Decision.Wait.class);
        assertThat(ledger.place(build(1), empty, T0).pod()).as("asking again is idempotent").isEqualTo("pair-0-s1");

        ledger.release("ns", "ns/b1", "pair-0-s1", true, T0);
        ClusterSnapshot bothSeen = snapshot(PAIR,
                Map.of("ns/b1", new ClusterSnapshot.Claim("pair", "pair-0-s1"),
                        "ns/b2", new ClusterSnapshot.Claim("pair", "pair-1-s2")),
                List.of(pod(PAIR, "pair-0-s1", 0, true), pod(PAIR, "pair-1-s2", 1, false)));
        assertThat(ledger.place(build(3), bothSeen, T0).decision())
                .as("the retired builder still counts while it lives").isInstanceOf(Decision.Wait.class);
        ClusterSnapshot firstGone = snapshot(PAIR, Map.of("ns/b2", new ClusterSnapshot.Claim("pair", "pair-1-s2")),
                List.of(pod(PAIR, "pair-1-s2", 1, false)));
        CapacityLedger.Placement third = ledger.place(build(3), firstGone, T0.plus(CapacityLedger.SETTLE));
        assertThat(third.assigned()).isTrue();
        assertThat(third.pod()).as("a new builder in the freed slot").isEqualTo("pair-0-s3");
    }

    /** A warm builder takes the build: no new pod. */
    @Test
    void anIdleReadyBuilderIsClaimedBeforeANewOneIsStarted() {
        CapacityLedger ledger = ledger();
        ClusterSnapshot warm = snapshot(PAIR, Map.of(), List.of(pod(PAIR, "pair-0-warm", 0, true)));
        CapacityLedger.Placement placement = ledger.place(build(1), warm, T0);
        assertThat(placement.pod()).isEqualTo("pair-0-warm");
        assertThat(placement.newSlot()).isNull();
        CapacityLedger.Placement second = ledger.place(build(2), warm, T0);
        assertThat(second.pod()).as("ephemeral: one build per builder").isEqualTo("pair-1-s1");
    }

    /**
     * A Ready builder whose kept connection is still warming is not idle: a build prefers a warm one, the pool counts it
     * as starting, yet it is named for its connection and taken when nothing warmer has room.
     */
    @Test
    void aReadyBuilderStillWarmingIsStartingForTheCountsAndTakenAfterAWarmOne() {
        CapacityLedger ledger = ledger();
        ledger.warmingBy(p -> p.getMetadata().getName().equals("pair-0-warming"));
        ClusterSnapshot cache = snapshot(PAIR, Map.of(),
                List.of(pod(PAIR, "pair-0-warming", 0, true), pod(PAIR, "pair-1-warm", 1, true)));
        CapacityLedger.PoolScale plan = ledger.plan(PAIR, cache, T0);
        assertThat(plan.counts()).isEqualTo(new BuilderCounts(2, 1, 1, 0));
        assertThat(plan.ready()).as("both are named for their kept connections")
                .containsExactlyInAnyOrder("pair-0-warming", "pair-1-warm");
        assertThat(plan.idle()).containsExactly("pair-1-warm");
        assertThat(ledger.place(build(1), cache, T0).pod()).isEqualTo("pair-1-warm");
        assertThat(ledger.place(build(2), cache, T0).pod()).as("no new pod while one is warming")
                .isEqualTo("pair-0-warming");
    }

    /**
     * The gateway's guess of where a pool's next build runs is the idle warm builder placement then gives it; guessing
     * decides and claims nothing, and a reserved builder is no longer a guess.
     */
    @Test
    void theLikelyBuilderIsTheIdleWarmBuilderTheNextPlacementTakes() {
        CapacityLedger ledger = ledger();
        Pod newer = pod(PAIR, "pair-0-new", 0, true);
        newer.getMetadata().setCreationTimestamp(T0.plusSeconds(10).toString());
        ClusterSnapshot cache = snapshot(PAIR, Map.of(), List.of(newer, pod(PAIR, "pair-1-old", 1, true)));
        assertThat(ledger.likelyBuilder("ns", "pair")).as("no plan of the pool yet").isEmpty();
        ledger.plan(PAIR, cache, T0);

        assertThat(ledger.likelyBuilder("ns", "pair")).contains("pair-1-old");
        assertThat(ledger.likelyBuilder("ns", "pair")).as("asking claims nothing").contains("pair-1-old");
        assertThat(ledger.place(build(1), cache, T0).pod()).isEqualTo("pair-1-old");
        assertThat(ledger.likelyBuilder("ns", "pair")).as("reserved since the plan").contains("pair-0-new");
        assertThat(ledger.place(build(2), cache, T0).pod()).isEqualTo("pair-0-new");
        assertThat(ledger.likelyBuilder("ns", "pair")).isEmpty();
        assertThat(ledger.likelyBuilder("ns", "other")).isEmpty();
    }

    /** A pool being deleted takes no build: its last plan goes with it, not kept for guesses after the pool is gone. */
    @Test
    void aDeletedPoolLeavesNoPlanBehind() {
        CapacityLedger ledger = ledger();
        ClusterSnapshot cache = snapshot(PAIR, Map.of(), List.of(pod(PAIR, "pair-1-old", 1, true)));
        ledger.plan(PAIR, cache, T0);
        assertThat(ledger.plannedPools()).containsExactly("ns/pair");

        BuildMachine deleting = TestResources.machine("ns", "pair", 2, List.of("x86_64-linux"), List.of(), List.of());
        deleting.getMetadata().setDeletionTimestamp(T0.plusSeconds(1).toString());
        ledger.plan(deleting, cache, T0.plusSeconds(1));

        assertThat(ledger.plannedPools()).isEmpty();
        assertThat(ledger.likelyBuilder("ns", "pair")).isEmpty();
    }

    /** After a restart the ledger is empty: the cache's pods and the builds' statuses fill the pool. */
    @Test
    void theLedgerIsRebuiltFromTheCache() {
        CapacityLedger ledger = ledger();
        ClusterSnapshot running = snapshot(PAIR, Map.of("ns/b1", new ClusterSnapshot.Claim("pair", "pair-0-a")),
                List.of(pod(PAIR, "pair-0-a", 0, true)));
        assertThat(ledger.place(build(2), running, T0).pod()).as("b1's builder is busy").isEqualTo("pair-1-s1");
        assertThat(ledger.place(build(3), running, T0).decision()).isInstanceOf(Decision.Wait.class);
    }

    /**
     * The cache still shows a released build holding its reusable builder (its final status is not written yet) when
     * the release wakes a waiting build: the builder is free all the same.
     */
    @Test
    void aReleasedReusableBuilderIsFreeEvenWhileTheCacheLags() {
        BuildMachine single = TestResources.machine("ns", "single", 1, List.of("x86_64-linux"), List.of(), List.of());
        single.getSpec().setEphemeral(false);
        CapacityLedger ledger = ledger();
        ClusterSnapshot lagging = snapshot(single,
                Map.of("ns/b1", new ClusterSnapshot.Claim("single", "single-0-a")),
                List.of(pod(single, "single-0-a", 0, true)));
        assertThat(ledger.place(build(2), lagging, T0).decision()).isInstanceOf(Decision.Wait.class);

        ledger.release("ns", "ns/b1", "single-0-a", false, T0);
        CapacityLedger.Placement next = ledger.place(build(2), lagging, T0);
        assertThat(next.pod()).as("the same builder serves the next build").isEqualTo("single-0-a");
        assertThat(next.newSlot()).isNull();
    }

    /** An ephemeral builder that served a build is never given to another, even if its deletion lags. */
    @Test
    void anEphemeralBuilderThatServedABuildIsNotReused() {
        BuildMachine single = TestResources.machine("ns", "single", 1, List.of("x86_64-linux"), List.of(), List.of());
        CapacityLedger ledger = ledger();
        Pod used = pod(single, "single-0-a", 0, true);
        used.getMetadata().getLabels().putAll(Names.claimLabels("b1", 1));
        ClusterSnapshot afterRestart = snapshot(single, Map.of(), List.of(used));
        assertThat(ledger.place(build(2), afterRestart, T0).decision())
                .as("its slot is taken until it is gone").isInstanceOf(Decision.Wait.class);
        assertThat(ledger.plan(single, afterRestart, T0).plan().delete())
                .as("kept for its build to take back while a restart is young").isEmpty();
        Instant later = T0.plus(SCHEDULING.adoptionGrace());
        assertThat(ledger.place(build(2), afterRestart, later).decision()).isInstanceOf(Decision.Wait.class);
        CapacityLedger.PoolScale plan = ledger.plan(single, afterRestart, later);
        assertThat(plan.plan().delete()).extracting(r -> r.name()).containsExactly("single-0-a");
    }

    /**
     * The operator was killed after it had created a build's builder and before the build's status named it (chaos
     * benchmark, issue 13): the restarted one gives that attempt the same builder, never a second pod.
     */
    @Test
    void aRestartedOperatorTakesBackTheBuilderItsPredecessorStartedForTheAttempt() {
        Pod started = pod(PAIR, "pair-0-a", 0, false);
        started.getMetadata().getLabels().putAll(Names.claimLabels("b1", 2));
        ClusterSnapshot afterRestart = snapshot(PAIR, Map.of(), List.of(started));

        CapacityLedger ledger = ledger();
        assertThat(ledger.adopt(build(1), 2, afterRestart, T0)).isTrue();
        CapacityLedger.Placement placement = ledger.place(build(1), afterRestart, T0);
        assertThat(placement.pod()).isEqualTo("pair-0-a");
        assertThat(placement.newSlot()).as("nothing to create").isNull();
        assertThat(ledger.plan(PAIR, afterRestart, T0.plus(SCHEDULING.adoptionGrace())).plan().delete())
                .as("held by its build now").isEmpty();

        CapacityLedger other = ledger();
        assertThat(other.adopt(build(1), 3, afterRestart, T0)).as("an earlier attempt's builder").isFalse();
        assertThat(other.adopt(build(2), 2, afterRestart, T0)).as("another build's builder").isFalse();
        assertThat(other.place(build(1), afterRestart, T0).pod()).isEqualTo("pair-1-s1");
    }

    /**
     * Every Pending reconcile asks whether a builder waits for its attempt; during a burst almost none does, and that
     * answer must not queue on the lock every decision needs: asked while another thread holds the ledger, it comes.
     */
    @Test
    void aBuildWithNoBuilderLabelledForItIsAnsweredWithoutTheLedgersLock() throws Exception {
        Pod other = pod(PAIR, "pair-0-a", 0, false);
        other.getMetadata().getLabels().putAll(Names.claimLabels("b2", 1));
        ClusterSnapshot snapshot = snapshot(PAIR, Map.of(), List.of(other));
        CapacityLedger ledger = ledger();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        ExecutorService holder = Executors.newSingleThreadExecutor();
        try {
            holder.submit(() -> {
                synchronized (ledger) {
                    held.countDown();
                    done.await();
                }
                return null;
            });
            assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
            ExecutorService asker = Executors.newSingleThreadExecutor();
            try {
                Future<Boolean> answer = asker.submit(() -> ledger.adopt(build(1), 1, snapshot, T0));
                assertThat(answer.get(30, TimeUnit.SECONDS)).as("nothing to adopt, said while the lock is held")
                        .isFalse();
            } finally {
                asker.shutdownNow();
            }
        } finally {
            done.countDown();
            holder.shutdown();
        }
        assertThat(ledger.adopt(build(2), 1, snapshot, T0)).as("the labelled build still adopts it").isTrue();
    }

    /**
     * A builder decided here is being created until its creator says it is done (or gives up): a build that shares it
     * meanwhile and finds no pod knows it is not lost.
     */
    @Test
    void aDecidedBuilderIsBeingCreatedUntilItsCreatorIsDone() {
        CapacityLedger ledger = ledger();
        ClusterSnapshot empty = snapshot(PAIR, Map.of(), List.of());
        String started = ledger.place(build(1), empty, T0).pod();
        assertThat(ledger.beingCreated("ns", started, T0)).isTrue();
        ledger.createdNow("ns", started);
        assertThat(ledger.beingCreated("ns", started, T0)).as("created: now a missing pod is gone").isFalse();

        String refused = ledger.place(build(2), empty, T0).pod();
        assertThat(refused).isNotEqualTo(started);
        ledger.retire("ns", refused, T0);
        assertThat(ledger.beingCreated("ns", refused, T0)).as("the API server refused it").isFalse();

        BuildMachine warmPool = TestResources.machine("ns", "warm", 2, List.of("x86_64-linux"), List.of(), List.of());
        warmPool.getSpec().setMinIdle(1);
        CapacityLedger scaling = ledger();
        String warm = scaling.plan(warmPool, snapshot(warmPool, Map.of(), List.of()), T0).creates().get(0).pod();
        assertThat(scaling.beingCreated("ns", warm, T0)).as("a warm builder the pool starts").isTrue();
        scaling.createdNow("ns", warm);
        assertThat(scaling.beingCreated("ns", warm, T0)).isFalse();

        CapacityLedger other = ledger();
        String abandoned = other.place(build(3), empty, T0).pod();
        assertThat(other.beingCreated("ns", abandoned, T0.plus(SCHEDULING.unseenLimit())))
                .as("a creator that never returned").isFalse();
        assertThat(other.beingCreated("ns", "pair-1-unknown", T0)).as("never decided here").isFalse();
    }

    /** The pool's plan keeps minIdle warm builders, counting the ones it starts at once. */
    @Test
    void thePlanStartsWarmBuildersOnceAndCountsThem() {
        BuildMachine warm = TestResources.machine("ns", "warm", 3, List.of("x86_64-linux"), List.of(), List.of());
        warm.getSpec().setMinIdle(2);
        CapacityLedger ledger = ledger();
        ClusterSnapshot empty = snapshot(warm, Map.of(), List.of());
        CapacityLedger.PoolScale first = ledger.plan(warm, empty, T0);
        assertThat(first.creates()).extracting(CapacityLedger.NewBuilder::pod).containsExactly("warm-0-s1",
                "warm-1-s2");
        assertThat(first.counts().starting()).isEqualTo(2);
        assertThat(ledger.plan(warm, empty, T0).creates()).as("the cache lags: no second start").isEmpty();
        CapacityLedger.Placement placement = ledger.place(build(1), empty, T0);
        assertThat(placement.pod()).as("a starting warm builder is claimed").isIn("warm-0-s1", "warm-1-s2");
        assertThat(ledger.plan(warm, empty, T0).creates()).as("one more to keep two warm").hasSize(1);
    }

    /**
     * A predecessor was killed between creating a builder's key Secret and its pod (chaos benchmark, issue 13): the
     * pool's first look in this process deletes that Secret, and keeps the Secrets of pods that exist or that this
     * process is starting.
     */
    @Test
    void aKeySecretWithoutItsPodIsDeletedOnThePoolsFirstLook() {
        InMemoryBuilderResources resources = new InMemoryBuilderResources();
        BuilderProvisioner provisioner = new BuilderProvisioner(resources, TestConfig.nixpool(Map.of()));
        resources.createdAt(T0.minusSeconds(30));
        resources.create(KeySecretRenderer.renderWithNewKeys(PAIR, "pair-0-orphan", 0));
        resources.create(KeySecretRenderer.renderWithNewKeys(PAIR, "pair-1-alive", 1));
        CapacityLedger ledger = ledger();
        assertThat(ledger.place(build(1), snapshot(PAIR, Map.of(), List.of()), T0).pod())
                .as("decided here, being created").isEqualTo("pair-0-s1");
        resources.create(KeySecretRenderer.renderWithNewKeys(PAIR, "pair-0-s1", 0));
        resources.createdAt(T0.plusSeconds(1));
        resources.create(KeySecretRenderer.renderWithNewKeys(PAIR, "pair-1-uncached", 1));
        PoolScaler scaler = new PoolScaler(ledger, provisioner);

        scaler.scale(PAIR, snapshot(PAIR, Map.of(), List.of(pod(PAIR, "pair-1-alive", 1, true))), T0.plusSeconds(2));

        assertThat(resources.secretsOfMachine("ns", "pair")).extracting(s -> s.getMetadata().getName())
                .as("made since the start: its pod may not be cached yet")
                .containsExactlyInAnyOrder("pair-1-alive-ssh", "pair-0-s1-ssh", "pair-1-uncached-ssh");
    }

    /**
     * Two replicas: this one started at T0 as a standby, the leader created a builder's key Secret at T0+10s and lost
     * the Lease before creating its pod; this replica leads from T0+30s. Its first look deletes that Secret (made
     * before this replica decided anything, by a replica that no longer leads), and keeps the Secret of a pod the API
     * server has but the cache does not show yet, and the Secret of a pod this replica is creating even when the API
     * server's clock dates it before the takeover.
     */
    @Test
    void aNewLeaderDeletesTheKeySecretsItsPredecessorLeftSinceThisReplicaStarted() {
        InMemoryBuilderResources resources = new InMemoryBuilderResources();
        BuilderProvisioner provisioner = new BuilderProvisioner(resources, TestConfig.nixpool(Map.of()));
        resources.createdAt(T0.plusSeconds(10));
        resources.create(KeySecretRenderer.renderWithNewKeys(PAIR, "pair-0-orphan", 0));
        resources.create(KeySecretRenderer.renderWithNewKeys(PAIR, "pair-1-uncached", 1));
        resources.create(BuilderPodRenderer.render(PAIR, "pair-1-uncached", 1, Map.of(), DEFAULTS));
        CapacityLedger ledger = ledger();
        Instant leads = T0.plusSeconds(30);
        ledger.startedLeading(leads);
        assertThat(ledger.place(build(1), snapshot(PAIR, Map.of(), List.of()), leads).pod())
                .as("decided here, being created").isEqualTo("pair-0-s1");
        resources.createdAt(leads.minusSeconds(1));
        resources.create(KeySecretRenderer.renderWithNewKeys(PAIR, "pair-0-s1", 0));
        PoolScaler scaler = new PoolScaler(ledger, provisioner);

        scaler.scale(PAIR, snapshot(PAIR, Map.of(), List.of()), leads.plusSeconds(1));

        assertThat(resources.secretsOfMachine("ns", "pair")).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("pair-1-uncached-ssh", "pair-0-s1-ssh");
    }

    /**
     * A warm ephemeral pool at maxBuilders: the builder of a build that just ended vanishes from the cache before the
     * ledger's settle time, so it still counts and no replacement starts. No event may come after that (the other
     * builder is busy, nothing is idle to time out): the pool must look again when the ledger settles, or it stays
     * below minIdle until something else happens.
     */
    @Test
    void aPoolThatCannotReplaceABuilderYetLooksAgainWhenTheLedgerSettles() {
        BuildMachine warm = TestResources.machine("ns", "warm", 2, List.of("x86_64-linux"), List.of(), List.of());
        warm.getSpec().setMinIdle(1);
        CapacityLedger ledger = ledger();
        PoolScaler scaler = new PoolScaler(ledger,
                new BuilderProvisioner(new InMemoryBuilderResources(), TestConfig.nixpool(Map.of())));
        assertThat(scaler.scale(warm, snapshot(warm, Map.of(), List.of()), T0).counts().starting()).isEqualTo(1);
        ClusterSnapshot firstReady = snapshot(warm, Map.of(), List.of(pod(warm, "warm-0-s1", 0, true)));
        assertThat(ledger.place(build(1), firstReady, T0).pod()).isEqualTo("warm-0-s1");
        Instant t1 = T0.plusMillis(300);
        scaler.scale(warm, firstReady, t1);
        Map<String, ClusterSnapshot.Claim> b1 = Map.of("ns/b1", new ClusterSnapshot.Claim("warm", "warm-0-s1"));
        ClusterSnapshot secondReady = snapshot(warm, b1,
                List.of(pod(warm, "warm-0-s1", 0, true), pod(warm, "warm-1-s2", 1, true)));
        assertThat(ledger.place(build(2), secondReady, t1).pod()).as("b1 ended").isNotEqualTo("warm-0-s1");
        Instant ended = T0.plusMillis(800);
        ledger.release("ns", "ns/b1", "warm-0-s1", true, ended);
        ledger.deleted("ns", "warm-0-s1", ended);
        Map<String, ClusterSnapshot.Claim> b2 = Map.of("ns/b2", new ClusterSnapshot.Claim("warm", "warm-1-s2"));
        ClusterSnapshot firstGone = snapshot(warm, b2, List.of(pod(warm, "warm-1-s2", 1, true)));
        Instant gone = T0.plusMillis(1_200);

        PoolScaler.Outcome outcome = scaler.scale(warm, firstGone, gone);

        assertThat(outcome.counts().idle()).as("nothing started yet: the gone builder still counts").isZero();
        assertThat(outcome.nextLook()).as("looks again once the ledger settles").isPresent();
        assertThat(outcome.nextLook().get()).isBeforeOrEqualTo(ended.plus(CapacityLedger.SETTLE));
        PoolScaler.Outcome later = scaler.scale(warm, firstGone, outcome.nextLook().get().plusMillis(500));
        assertThat(later.counts().starting()).as("then the replacement starts").isEqualTo(1);
    }

    /**
     * Whoever comes to a builder first deletes it (its build's end, its loss, its deletion, the pool's plan), the rest
     * skip it; a delete that failed is left to the next. Remembered while a cache shows the pod, forgotten once none
     * does and the decision settled.
     */
    @Test
    void aBuilderIsDeletedOnceAndADeleteThatFailedIsLeftToTheNext() {
        CapacityLedger ledger = ledger();
        AtomicInteger deletes = new AtomicInteger();
        assertThatThrownBy(() -> ledger.deleteOnce("ns", "pair-0-s1", T0, () -> {
            deletes.incrementAndGet();
            throw new IllegalStateException("the API server answered 503");
        })).hasMessageContaining("503");
        assertThat(ledger.deleteIssued("ns", "pair-0-s1")).isFalse();

        assertThat(ledger.deleteOnce("ns", "pair-0-s1", T0, deletes::incrementAndGet)).isTrue();
        assertThat(ledger.deleteOnce("ns", "pair-0-s1", T0.plusMillis(10), deletes::incrementAndGet)).isFalse();
        assertThat(deletes).hasValue(2);

        Instant settled = T0.plus(CapacityLedger.SETTLE).plusSeconds(1);
        ledger.plan(PAIR, snapshot(PAIR, Map.of(), List.of(pod(PAIR, "pair-0-s1", 0, true))), settled);
        assertThat(ledger.deleteIssued("ns", "pair-0-s1")).as("a cache still shows the pod").isTrue();
        ledger.plan(PAIR, snapshot(PAIR, Map.of(), List.of()), settled);
        assertThat(ledger.deleteIssued("ns", "pair-0-s1")).isFalse();
    }
}
