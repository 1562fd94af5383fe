package dev.nixpool.lifecycle;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.builder.BuilderPodRenderer;
import dev.nixpool.capacity.Builder;
import dev.nixpool.capacity.BuilderCounts;
import dev.nixpool.capacity.Capacity;
import dev.nixpool.capacity.PoolSettings;
import dev.nixpool.capacity.ScalePlan;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Decision;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.scheduling.Scheduler;
import dev.nixpool.scheduling.WaitingQueue;

/**
 * The one place where capacity is decided: which pool and which builder a build gets, and which builders a pool starts
 * and stops. Every decision is taken under this object's lock and recorded here before the lock is released, so that
 * capacity is never given out twice.
 * <p>
 * JOSDK reconciles different NixBuilds and BuildMachines in parallel, and the informer caches lag behind the API server:
 * a pod created a moment ago, or a status.builder just written, may not be in the cache yet. So the pools' builders are
 * the union of the cache and what this process did since: builds it assigned (reservations), pods it created, pods it
 * retired. After a restart all of that is empty and the caches, fully synced before the first reconcile, show every
 * earlier decision (pods carry their pool and slot; builds name their pod), so the ledger is rebuilt from the cluster.
 * What is lost on a restart is only soft: how long builders have been idle (counted again from the restart, so never
 * stopped early) and how many builds a reusable builder served.
 * <p>
 * The lag also holds the other way: a build that just gave back its builder may still show as holding it in the cache,
 * so a released build is remembered until the cache no longer shows it holding a slot.
 */
@ApplicationScoped
public class CapacityLedger {

    /** Where a build goes: its pool and builder, and whether that builder must be created now (its slot). */
    public record Placement(Decision decision, String pod, Integer newSlot) {

        public boolean assigned() {
            return decision instanceof Decision.Assign;
        }

        public String machine() {
            return ((Decision.Assign) decision).pool().name();
        }
    }

    /** A builder the pool starts now: create its pod with this name and slot. */
    public record NewBuilder(String pod, int slot) {
    }

    /**
     * A pool's plan with the names of the builders to create, its builders by state, and the names of its Ready ones
     * that take builds (idle or busy, not retiring).
     */
    public record PoolScale(ScalePlan plan, List<NewBuilder> creates, BuilderCounts counts, List<String> ready,
            List<String> idle) {
    }

    private record Created(String machine, int slot, Instant at) {
    }

    /**
     * How long a decision of this process is remembered after an informer cache first agrees with it. The operator has
     * several caches (the NixBuild and BuildMachine controllers each watch pods and builds) that catch up with a write
     * at different moments: one cache showing a new pod, or no longer showing a released build, says nothing of the
     * others. Overlap is harmless (the cache and the ledger are merged by name), so remembering longer only costs a
     * moment of overcounting.
     */
    static final Duration SETTLE = Duration.ofSeconds(2);
    private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final int SUFFIX_LENGTH = 5;

    private final Map<String, ClusterSnapshot.Claim> reservations = new HashMap<>();
    /** Each pool's builders (namespace/pool) as its last plan saw them: what {@link #likelyBuilder} guesses from. */
    private final Map<String, List<Builder>> lastPlanned = new HashMap<>();
    private final WaitingQueues queues = new WaitingQueues();
    private final Map<String, Instant> released = new HashMap<>();
    private final Map<String, Created> created = new HashMap<>();
    /** Builders decided here whose creator has not yet returned from creating them (their pods may not exist yet). */
    private final Map<String, Instant> creating = new HashMap<>();
    private final Map<String, Instant> seen = new HashMap<>();
    private final Map<String, Instant> retired = new HashMap<>();
    private final Map<String, Instant> deleted = new HashMap<>();
    /**
     * Builders whose deletion this process has issued (or is issuing), remembered while a cache still shows the pod and
     * a settle after: the build that ended, its deletion and the pool's plan each come to the same retired builder, and
     * one delete of its pod and Secret is enough (the others would be answered 404).
     */
    private final Map<String, Instant> deleteIssued = new HashMap<>();
    private final Map<String, Instant> idleSince = new HashMap<>();
    private final Map<String, Integer> served = new HashMap<>();
    /** Rendering a pod to hash it costs more than a decision: once per pool generation. */
    private final Map<String, String> templateHashes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 256;
        }
    };
    private final List<Consumer<String>> releaseListeners = new CopyOnWriteArrayList<>();
    /** Ready builder pods whose kept connection is still being warmed: builds would wait for it. */
    private volatile Predicate<Pod> warming = pod -> false;
    private final Supplier<String> suffixes;
    private final BuilderDefaults defaults;
    private final boolean keepFailed;
    /** When this replica began deciding: its start, or later when it became the leader (see {@link #startedLeading}). */
    private volatile Instant started;
    /** A builder this process created that no cache ever showed (deleted by someone else at once) stops counting. */
    private final Duration unseenLimit;
    /**
     * How long after this process started an ephemeral builder labelled for a build that nobody holds is kept for that
     * build to {@link #adopt} (every build is reconciled once the caches have synced), rather than stopped as a served
     * one: a predecessor may have been killed between creating it and recording it in the build's status.
     */
    private final Duration adoptionGrace;

    @Inject
    public CapacityLedger(NixpoolConfig config) {
        this(BuilderDefaults.from(config), config.builder().keepFailed(), Instant.now(), randomSuffixes(),
                config.scheduling());
    }

    /**
     * @param suffixes the random part of new builder names (tests pass a predictable one)
     * @param scheduling the unseen limit and the adoption grace
     */
    public CapacityLedger(BuilderDefaults defaults, boolean keepFailed, Instant started, Supplier<String> suffixes,
            NixpoolConfig.Scheduling scheduling) {
        this.suffixes = suffixes;
        this.defaults = defaults;
        this.keepFailed = keepFailed;
        this.started = started;
        this.unseenLimit = scheduling.unseenLimit();
        this.adoptionGrace = scheduling.adoptionGrace();
    }

    /**
     * Which Ready builder pods are still warming (the operator's kept connection to them being made): they are
     * {@link Builder.State#WARMING}, counted as starting and given to a build only when no warm one has room.
     */
    public void warmingBy(Predicate<Pod> warming) {
        this.warming = warming;
    }

    /** Called with the namespace whenever a build gives back capacity there: builds waiting in it may now fit. */
    public void onRelease(Consumer<String> listener) {
        releaseListeners.add(listener);
    }

    /**
     * Decides for {@code build} and, when it gets a pool, claims a builder there (an idle or starting one with room,
     * else a new one in the lowest free slot) before anyone else decides. Asked again, it answers the same.
     * <p>
     * The namespace's waiting queue is first brought up to the snapshot's waiting builds outside this object's lock
     * (finding what changed costs O(n), and is skipped while another thread does it for a queue that already holds this
     * build); only the change itself, O(log n) per build, and the decision take the lock.
     */
    public Placement place(BuildRequest build, ClusterSnapshot snapshot, Instant now) {
        queues.sync(build.namespace(), snapshot.waiting(), build, reservations::containsKey, this::locked);
        return decide(build, snapshot, now);
    }

    private synchronized Placement decide(BuildRequest build, ClusterSnapshot snapshot, Instant now) {
        String namespace = build.namespace();
        ClusterSnapshot.Claim existing = reservations.get(build.key());
        Map<String, List<Builder>> views = new HashMap<>();
        snapshot.machines().forEach(m -> views.put(m.getMetadata().getName(), builders(namespace, m, snapshot, now)));
        List<Pool> pools = snapshot.machines().stream().map(m -> {
            List<Builder> view = views.get(m.getMetadata().getName());
            int load = view.stream().mapToInt(Builder::claims).sum();
            return SchedulingInputs.pool(m, Capacity.freeSlots(SchedulingInputs.settings(m), view), load);
        }).toList();
        if (existing != null && views.containsKey(existing.machine())) {
            Pool pool = pools.stream().filter(p -> p.name().equals(existing.machine())).findFirst().orElseThrow();
            // a builder this process decided to start but the cache has not shown yet: starting it again is harmless
            // (create-if-absent) and covers a create that failed after the decision
            Created unseen = created.get(key(namespace, existing.pod()));
            return new Placement(new Decision.Assign(pool), existing.pod(), unseen != null ? unseen.slot() : null);
        }
        WaitingQueue queue = queues.queue(namespace, pools, reservations::containsKey);
        Decision decision = Scheduler.schedule(build, pools, queue);
        if (!(decision instanceof Decision.Assign assign)) {
            return new Placement(decision, null, null);
        }
        BuildMachine machine = snapshot.machine(assign.pool().name()).orElseThrow();
        PoolSettings settings = SchedulingInputs.settings(machine);
        List<Builder> view = views.get(assign.pool().name());
        Optional<Builder> chosen = Capacity.choose(settings, view);
        String pod;
        Integer slot = null;
        if (chosen.isPresent()) {
            pod = chosen.get().name();
        } else {
            slot = Capacity.nextSlot(settings, view).orElseThrow(() -> new IllegalStateException(
                    "pool " + assign.pool().name() + " reported free slots but has neither room nor a builder"));
            pod = newPodName(machine, slot);
            created.put(key(namespace, pod), new Created(assign.pool().name(), slot, now));
            creating.put(key(namespace, pod), now);
        }
        reservations.put(build.key(), new ClusterSnapshot.Claim(assign.pool().name(), pod));
        queues.reserved(build.key());
        released.remove(build.key());
        return new Placement(decision, pod, slot);
    }

    /**
     * After a restart, takes back the builder this process's predecessor started (or claimed) for the build's current
     * attempt: it was killed after it had created or labelled the pod and before the build's status named it, so the
     * pod carries the build's claim labels ({@link Names#claimLabels}) and nobody holds it. Placing the build anew would
     * give that attempt a second builder pod. Call before {@link #place}, which then answers with this builder.
     *
     * @return whether the build holds such a builder now
     */
    public boolean adopt(BuildRequest build, int attempt, ClusterSnapshot snapshot, Instant now) {
        // every Pending reconcile asks, and almost never is a builder labelled for its attempt: that is answered from
        // the (immutable) snapshot without the lock every decision needs (during a burst, reconciles queued on it)
        if (snapshot.builderPods().stream().noneMatch(pod -> labelledFor(pod, build, attempt))) {
            return false;
        }
        synchronized (this) {
            return adoptLabelled(build, attempt, snapshot);
        }
    }

    private static boolean labelledFor(Pod pod, BuildRequest build, int attempt) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels != null && labels.get(Names.LABEL_MACHINE) != null
                && Names.labelValue(build.name()).equals(labels.get(Names.LABEL_BUILD))
                && Integer.toString(attempt).equals(labels.get(Names.LABEL_ATTEMPT));
    }

    private boolean adoptLabelled(BuildRequest build, int attempt, ClusterSnapshot snapshot) {
        if (reservations.containsKey(build.key())) {
            return false;
        }
        for (Pod pod : snapshot.builderPods()) {
            Map<String, String> labels = pod.getMetadata().getLabels();
            String machine = labels == null ? null : labels.get(Names.LABEL_MACHINE);
            if (!labelledFor(pod, build, attempt)
                    || pod.getMetadata().getDeletionTimestamp() != null || !BuilderPods.isAlive(pod)
                    || retired.containsKey(key(build.namespace(), pod.getMetadata().getName()))
                    || snapshot.claims().values().stream().anyMatch(c -> pod.getMetadata().getName().equals(c.pod()))) {
                continue;
            }
            Optional<BuildMachine> pool = snapshot.machines().stream()
                    .filter(m -> Names.labelValue(m.getMetadata().getName()).equals(machine)).findFirst();
            if (pool.isEmpty() || !SchedulingInputs.isEphemeral(pool.get())) {
                continue;
            }
            reservations.put(build.key(), new ClusterSnapshot.Claim(pool.get().getMetadata().getName(),
                    pod.getMetadata().getName()));
            queues.reserved(build.key());
            released.remove(build.key());
            return true;
        }
        return false;
    }

    /**
     * The namespace's waiting queue as {@link #place} sees it (builds placed here left it, whatever the cache shows),
     * shared until it changes: for answering events with the builds they concern and for queue positions. Immutable:
     * what the caller then asks of every build (a pass over the queue) runs outside this object's lock.
     */
    public WaitingQueue queue(String namespace, List<BuildMachine> machines, List<BuildRequest> waiting) {
        queues.sync(namespace, waiting, reservations::containsKey, this::locked);
        List<Pool> pools = machines.stream().map(m -> SchedulingInputs.pool(m, 0, 0)).toList();
        synchronized (this) {
            return queues.queue(namespace, pools, reservations::containsKey);
        }
    }

    /** Runs {@code change} under this object's lock: how {@link WaitingQueues} applies what it found outside it. */
    private synchronized void locked(Runnable change) {
        change.run();
    }

    /**
     * The build ended or lost its builder: its capacity is free now, whatever the cache still shows. An ephemeral
     * builder, or one that was lost, is retired (no build gets it again); a reusable one is idle from now on.
     */
    public void release(String namespace, String buildKey, String pod, boolean retire, Instant now) {
        synchronized (this) {
            if (reservations.remove(buildKey) != null) {
                queues.unreserved(buildKey);
            }
            released.put(buildKey, now);
            if (pod != null) {
                String podKey = key(namespace, pod);
                if (retire) {
                    retired.putIfAbsent(podKey, now);
                } else {
                    served.merge(podKey, 1, Integer::sum);
                    idleSince.put(podKey, now);
                }
            }
        }
        releaseListeners.forEach(listener -> listener.accept(namespace));
    }

    /** Forgets a final or deleted build's claim without counting it again (it was released when it ended). */
    public synchronized void forget(String buildKey, Instant now) {
        if (reservations.remove(buildKey) != null) {
            queues.unreserved(buildKey);
        }
        released.putIfAbsent(buildKey, now);
    }

    /**
     * When this replica began deciding: what the cluster holds from before was decided by a predecessor, one killed or
     * a leader that lost the Lease. A standby started long before it took over.
     */
    public Instant started() {
        return started;
    }

    /**
     * This replica holds the Lease from {@code now} (called before JOSDK processes the first event): a standby's informer
     * caches were filled while another replica led, so whatever that leader created up to now counts as a predecessor's
     * (its orphaned key Secrets, its builders to adopt), not as decided here.
     */
    public void startedLeading(Instant now) {
        started = now;
    }

    /** Whether this process decided to start the builder and still remembers it (its pod may not be cached yet). */
    public synchronized boolean decidedHere(String namespace, String pod) {
        return created.containsKey(key(namespace, pod)) || creating.containsKey(key(namespace, pod));
    }

    /** The builder's Secret and pod exist now: whoever decided to start it has created them. */
    public synchronized void createdNow(String namespace, String pod) {
        creating.remove(key(namespace, pod));
    }

    /**
     * Whether the builder was decided here and its creator is still creating it: another build may have taken it (a
     * starting builder is shared) and finds no pod yet, which is not a lost builder. A creator that never returns (its
     * reconcile failed for good) stops counting after the unseen limit.
     */
    public synchronized boolean beingCreated(String namespace, String pod, Instant now) {
        Instant since = creating.get(key(namespace, pod));
        return since != null && now.isBefore(since.plus(unseenLimit));
    }

    /** A builder the API server refused to create, or one being deleted: no build gets it. */
    public synchronized void retire(String namespace, String pod, Instant now) {
        String podKey = key(namespace, pod);
        created.remove(podKey);
        creating.remove(podKey);
        retired.putIfAbsent(podKey, now);
    }

    /** The builder's pod was deleted (retired before, or now): it counts until the cache shows it gone. */
    public synchronized void deleted(String namespace, String pod, Instant now) {
        String podKey = key(namespace, pod);
        retired.putIfAbsent(podKey, now);
        creating.remove(podKey);
        if (created.containsKey(podKey)) {
            deleted.putIfAbsent(podKey, now);
        }
    }

    /**
     * Deletes a builder through {@code delete} (its pod and key Secret) unless this process has done so already or is
     * doing so on another thread; a delete that throws leaves the decision to the next caller (the reconcile's retry,
     * the pool's next plan). The delete runs outside the ledger's lock.
     *
     * @return whether this call deleted it
     */
    public boolean deleteOnce(String namespace, String pod, Instant now, Runnable delete) {
        String podKey = key(namespace, pod);
        synchronized (this) {
            if (deleteIssued.putIfAbsent(podKey, now) != null) {
                return false;
            }
        }
        try {
            delete.run();
        } catch (RuntimeException e) {
            synchronized (this) {
                deleteIssued.remove(podKey);
            }
            throw e;
        }
        deleted(namespace, pod, now);
        return true;
    }

    /** Whether this process has deleted the builder (or is deleting it) and the caches may still show its pod. */
    public synchronized boolean deleteIssued(String namespace, String pod) {
        return deleteIssued.containsKey(key(namespace, pod));
    }

    /**
     * When the earliest remembered decision in the namespace settles (after which the caches alone speak for it): a
     * build told to wait looks again then, since no cache event may come to say that the capacity was there all along.
     */
    public synchronized Optional<Duration> settlesIn(String namespace, Instant now) {
        Stream<Instant> since = Stream.of(seen.entrySet().stream()
                .filter(e -> created.containsKey(e.getKey())), retired.entrySet().stream(),
                deleted.entrySet().stream(), released.entrySet().stream())
                .flatMap(entries -> entries)
                .filter(e -> e.getKey().startsWith(namespace + "/"))
                .map(Map.Entry::getValue);
        return since.map(at -> at.plus(SETTLE)).filter(now::isBefore).min(Instant::compareTo)
                .map(at -> Duration.between(now, at));
    }

    public synchronized Optional<ClusterSnapshot.Claim> reservation(String buildKey) {
        return Optional.ofNullable(reservations.get(buildKey));
    }

    /**
     * The pool's plan (builders to start and stop) and its builders by state. Builders to start get their names and
     * slots here and count at once; builders to stop are retired at once, so no build is given one.
     */
    public synchronized PoolScale plan(BuildMachine machine, ClusterSnapshot snapshot, Instant now) {
        String namespace = machine.getMetadata().getNamespace();
        PoolSettings settings = SchedulingInputs.settings(machine);
        List<Builder> view = new ArrayList<>(builders(namespace, machine, snapshot, now));
        ScalePlan plan = Capacity.plan(settings, view, now);
        plan.delete().forEach(r -> retired.putIfAbsent(key(namespace, r.name()), now));
        List<NewBuilder> creates = new ArrayList<>();
        for (int i = 0; i < plan.create(); i++) {
            Optional<Integer> slot = Capacity.nextSlot(settings, view);
            if (slot.isEmpty()) {
                break;
            }
            String pod = newPodName(machine, slot.get());
            created.put(key(namespace, pod), new Created(machine.getMetadata().getName(), slot.get(), now));
            creating.put(key(namespace, pod), now);
            creates.add(new NewBuilder(pod, slot.get()));
            view.add(new Builder(pod, slot.get(), Builder.State.STARTING, 0, now, now, false, 0));
        }
        List<Builder> after = builders(namespace, machine, snapshot, now);
        if (machine.getMetadata().getDeletionTimestamp() != null) {
            // a pool being deleted takes no build (nothing to guess) and its last plan must not outlive it
            lastPlanned.remove(key(namespace, machine.getMetadata().getName()));
        } else {
            lastPlanned.put(key(namespace, machine.getMetadata().getName()), after);
        }
        return new PoolScale(plan, creates, BuilderCounts.of(after), after.stream()
                .filter(b -> b.state() == Builder.State.READY || b.state() == Builder.State.WARMING)
                .map(Builder::name).toList(),
                after.stream().filter(b -> b.state() == Builder.State.READY && b.claims() == 0)
                        .map(Builder::name).toList());
    }

    /**
     * The idle warm builder a build placed on the pool now would most likely get, for the gateway to stream a client's
     * uploads into before its build exists: among the pool's Ready builders without a build at its last plan, none
     * reserved or retired since, the one placement prefers among idle ones (the oldest, then the lowest slot). Only a
     * guess, read without deciding or claiming anything: placement stays {@link #place}'s alone.
     */
    public synchronized Optional<String> likelyBuilder(String namespace, String machine) {
        Set<String> reserved = new HashSet<>();
        reservations.forEach((build, claim) -> {
            if (build.startsWith(namespace + "/") && machine.equals(claim.machine())) {
                reserved.add(claim.pod());
            }
        });
        return lastPlanned.getOrDefault(key(namespace, machine), List.of()).stream()
                .filter(b -> b.state() == Builder.State.READY && b.claims() == 0 && !reserved.contains(b.name())
                        && !retired.containsKey(key(namespace, b.name())))
                .min(Comparator.comparing(Builder::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparingInt(Builder::slot))
                .map(Builder::name);
    }

    /** The pools (namespace/name) whose last plan {@link #likelyBuilder} remembers. */
    synchronized Set<String> plannedPools() {
        return Set.copyOf(lastPlanned.keySet());
    }

    /** The pool's builders: the cache's pods and this process's creations, with their claims and states. */
    private List<Builder> builders(String namespace, BuildMachine machine, ClusterSnapshot snapshot, Instant now) {
        String machineName = machine.getMetadata().getName();
        String label = Names.labelValue(machineName);
        boolean ephemeral = SchedulingInputs.isEphemeral(machine);
        // a pool without a spec (unreadable) renders nothing; its builders are not stale for that
        String hash = machine.getSpec() != null ? templateHash(machine) : null;

        expireCreated(namespace, now);
        Map<String, String> podOfBuild = new HashMap<>();
        snapshot.claims().forEach((build, claim) -> {
            if (!released.containsKey(build) && machineName.equals(claim.machine()) && claim.pod() != null) {
                podOfBuild.put(build, claim.pod());
            }
        });
        released.entrySet().removeIf(e -> e.getKey().startsWith(namespace + "/")
                && !snapshot.claims().containsKey(e.getKey()) && settled(e.getValue(), now));
        reservations.forEach((build, claim) -> {
            if (build.startsWith(namespace + "/") && machineName.equals(claim.machine())) {
                podOfBuild.put(build, claim.pod());
            }
        });
        Map<String, Integer> claims = new HashMap<>();
        podOfBuild.values().forEach(pod -> claims.merge(pod, 1, Integer::sum));
        List<Builder> result = new ArrayList<>();
        Set<String> seenNow = new HashSet<>();
        for (Pod pod : snapshot.builderPods()) {
            Map<String, String> labels = pod.getMetadata().getLabels();
            if (labels == null || !label.equals(labels.get(Names.LABEL_MACHINE))) {
                continue;
            }
            String name = pod.getMetadata().getName();
            String podKey = key(namespace, name);
            seenNow.add(podKey);
            seen.putIfAbsent(podKey, now);
            int slot = slotOf(labels);
            int claimed = claims.getOrDefault(name, 0);
            if (claimed == 0 && keepFailed && snapshot.failedOn().contains(name)) {
                claimed = 1; // kept for inspection: neither given to a build nor stopped
            }
            boolean unheldClaim = ephemeral && claimed == 0 && labels.containsKey(Names.LABEL_BUILD);
            if (unheldClaim && now.isBefore(started.plus(adoptionGrace))) {
                // a predecessor's builder whose build may not have recorded it: kept for the build to adopt
                claimed = 1;
                unheldClaim = false;
            }
            Builder.State state;
            if (retired.containsKey(podKey) || pod.getMetadata().getDeletionTimestamp() != null || slot < 0
                    || !BuilderPods.isAlive(pod) || unheldClaim) {
                state = Builder.State.RETIRING;
            } else {
                state = !BuilderPodState.isReady(pod)
                        ? Builder.State.STARTING
                        : warming.test(pod) ? Builder.State.WARMING : Builder.State.READY;
            }
            Instant createdAt = parse(pod.getMetadata().getCreationTimestamp(), now);
            Instant idle = idleSince.getOrDefault(podKey, createdAt.isAfter(started) ? createdAt : started);
            String podHash = pod.getMetadata().getAnnotations() != null
                    ? pod.getMetadata().getAnnotations().get(Names.ANNOTATION_TEMPLATE_HASH)
                    : null;
            result.add(new Builder(name, Math.max(slot, 0), state, claimed, createdAt, idle,
                    hash != null && !hash.equals(podHash), served.getOrDefault(podKey, 0)));
        }
        created.forEach((podKey, c) -> {
            if (podKey.startsWith(namespace + "/") && c.machine().equals(machineName) && !seenNow.contains(podKey)) {
                String name = podKey.substring(namespace.length() + 1);
                Builder.State state = retired.containsKey(podKey) ? Builder.State.RETIRING : Builder.State.STARTING;
                result.add(new Builder(name, c.slot(), state, claims.getOrDefault(name, 0), c.at(), c.at(), false,
                        0));
            }
        });
        forgetSettled(namespace, seenNow, now);
        forgetDeletes(namespace, snapshot, now);
        return result;
    }

    /**
     * Forgets what every cache has shown for a while: a created builder once seen (or deleted, or never seen for a
     * minute), a retired one once gone. Idle times and served counts go with their builder.
     */
    private void forgetSettled(String namespace, Set<String> seenNow, Instant now) {
        expireCreated(namespace, now);
        Set<String> present = new HashSet<>(created.keySet());
        present.addAll(seenNow);
        retired.entrySet().removeIf(e -> e.getKey().startsWith(namespace + "/") && !present.contains(e.getKey())
                && settled(e.getValue(), now));
        deleted.keySet().removeIf(podKey -> !created.containsKey(podKey));
        seen.keySet().removeIf(podKey -> podKey.startsWith(namespace + "/") && !present.contains(podKey));
        idleSince.keySet().removeIf(podKey -> podKey.startsWith(namespace + "/") && !present.contains(podKey)
                && !retired.containsKey(podKey));
        served.keySet().removeIf(podKey -> podKey.startsWith(namespace + "/") && !present.contains(podKey)
                && !retired.containsKey(podKey));
    }

    /** Deletes issued whose pod no cache shows (of any pool of the namespace) for a while now. */
    private void forgetDeletes(String namespace, ClusterSnapshot snapshot, Instant now) {
        if (deleteIssued.isEmpty()) {
            return;
        }
        Set<String> cached = new HashSet<>();
        snapshot.builderPods().forEach(p -> cached.add(key(namespace, p.getMetadata().getName())));
        deleteIssued.entrySet().removeIf(e -> e.getKey().startsWith(namespace + "/") && !cached.contains(e.getKey())
                && !created.containsKey(e.getKey()) && settled(e.getValue(), now));
    }

    /** Before and after reading the caches: a decision every cache agrees with is the caches' alone. */
    private void expireCreated(String namespace, Instant now) {
        created.entrySet().removeIf(e -> e.getKey().startsWith(namespace + "/")
                && ((seen.containsKey(e.getKey()) && settled(seen.get(e.getKey()), now))
                        || (deleted.containsKey(e.getKey()) && settled(deleted.get(e.getKey()), now))
                        || !now.isBefore(e.getValue().at().plus(unseenLimit))));
        creating.entrySet().removeIf(e -> e.getKey().startsWith(namespace + "/")
                && !now.isBefore(e.getValue().plus(unseenLimit)));
    }

    private static boolean settled(Instant since, Instant now) {
        return !now.isBefore(since.plus(SETTLE));
    }

    private String templateHash(BuildMachine machine) {
        String version = machine.getMetadata().getUid() + "/" + machine.getMetadata().getGeneration();
        if (machine.getMetadata().getUid() == null || machine.getMetadata().getGeneration() == null) {
            return BuilderPodRenderer.templateHash(machine, defaults);
        }
        return templateHashes.computeIfAbsent(version, v -> BuilderPodRenderer.templateHash(machine, defaults));
    }

    private String newPodName(BuildMachine machine, int slot) {
        return Names.poolBuilderName(machine.getMetadata().getName(), slot, suffixes.get());
    }

    /** Five characters as a ReplicaSet's pods get: no vowels (no words), no look-alikes. */
    static Supplier<String> randomSuffixes() {
        SecureRandom random = new SecureRandom();
        return () -> {
            StringBuilder suffix = new StringBuilder();
            for (int i = 0; i < SUFFIX_LENGTH; i++) {
                suffix.append(SUFFIX_ALPHABET.charAt(random.nextInt(SUFFIX_ALPHABET.length())));
            }
            return suffix.toString();
        };
    }

    private static int slotOf(Map<String, String> labels) {
        try {
            return Integer.parseInt(labels.getOrDefault(Names.LABEL_SLOT, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Instant parse(String timestamp, Instant fallback) {
        return timestamp != null ? Instant.parse(timestamp) : fallback;
    }

    private static String key(String namespace, String pod) {
        return namespace + "/" + pod;
    }
}
