package dev.nixpool.reconcile;

import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * NixBuild deletion, handled by the operator instead of JOSDK's {@code Cleaner}: JOSDK adds a Cleaner's finalizer in
 * a reconcile of its own, one API write before every build's first real reconcile (and QOSDK 7.7.3 drops the
 * {@code triggerReconcilerOnAllEvents} setting that would hand deletions to the reconciler instead). Here the
 * reconciler adds the finalizer after its first run (a warm build's run is under way by then) and this source, told
 * of every NixBuild event by JOSDK, cleans a build up when it is marked for deletion (then removes the finalizer) or
 * when it is gone without that (deleted before its finalizer was stored). A build counts as marked whenever it is seen
 * marked, not only on the update that marked it: JOSDK hides events it takes for the operator's own writes, and a
 * status write that landed just after the mark (the reconciler hands its answer over, {@link #markedForDeletion})
 * hides the mark's own event and makes the next one already marked before and after. The clean-up runs off the informer's
 * thread, under the build's lock: never at the same time as a reconcile of the build, and a reconcile that comes after
 * it does nothing ({@link #deleted}). A clean-up that throws is tried again a few times with growing pauses: a build
 * that is already gone has no later event to try it again, and one marked for deletion has none either until the
 * operator restarts.
 */
final class BuildDeletions extends AbstractEventSource<Void, NixBuild> implements ResourceEventAware<NixBuild> {

    private static final Logger LOG = Logger.getLogger(BuildDeletions.class);
    /** How long a deleted build's uid is remembered: far longer than a reconcile that started before it takes. */
    static final Duration REMEMBERED = Duration.ofMinutes(10);
    private static final int FINALIZER_ATTEMPTS = 5;
    /** Clean-up attempts per sign of deletion; with pauses from {@link #FIRST_RETRY}, doubling, about a minute. */
    static final int CLEANUP_ATTEMPTS = 6;
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    private final KubernetesClient client;
    private final Consumer<NixBuild> cleanup;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, Instant> cleaned = new ConcurrentHashMap<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    /** Builds seen marked for deletion whose clean-up is queued, under way or done: each is handed over once. */
    private final Set<String> marked = ConcurrentHashMap.newKeySet();
    private final Duration firstRetry;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nixpool-build-deletions");
        t.setDaemon(true);
        return t;
    });

    /** @param cleanup cleans up one build: ends its runs, gives back (and deletes) its builder, deletes its logs */
    BuildDeletions(KubernetesClient client, Consumer<NixBuild> cleanup) {
        this(client, cleanup, FIRST_RETRY);
    }

    BuildDeletions(KubernetesClient client, Consumer<NixBuild> cleanup, Duration firstRetry) {
        super(Void.class, "deletions");
        this.client = client;
        this.cleanup = cleanup;
        this.firstRetry = firstRetry;
    }

    /**
     * The lock a reconcile of the build holds; the clean-up takes it too. Until the build is cleaned up every caller
     * gets the same lock (none is dropped before). After that whoever holds a lock of the build does nothing, so
     * which lock it is no longer matters and none is kept: the clean-up dropped the build's lock, and one made here
     * afterwards (a reconcile that was already queued) is dropped again at once.
     */
    Object lockOf(NixBuild build) {
        String uid = build.getMetadata().getUid();
        Object lock = locks.computeIfAbsent(uid, key -> new Object());
        if (cleaned.containsKey(uid)) {
            locks.remove(uid, lock);
        }
        return lock;
    }

    /** How many builds have a lock kept: the builds not yet cleaned up that a reconcile or a deletion has seen. */
    int locksKept() {
        return locks.size();
    }

    /** Whether the build was cleaned up: a reconcile of it (under its lock) must do nothing. */
    boolean deleted(NixBuild build) {
        return cleaned.containsKey(build.getMetadata().getUid());
    }

    @Override
    public void onResourceCreated(NixBuild build) {
        // a build already marked for deletion when the operator (re)started: JOSDK never reconciles it
        markedForDeletion(build);
    }

    /**
     * Whether {@code before} was marked does not matter: when the mark's own event was taken for one of the operator's
     * writes and dropped, the first event that shows the mark has it on both sides.
     */
    @Override
    public void onResourceUpdated(NixBuild now, NixBuild before) {
        markedForDeletion(now);
    }

    @Override
    public void onResourceDeleted(NixBuild build) {
        marked.remove(build.getMetadata().getUid());
        submit(build, true);
    }

    /**
     * Queues the clean-up of a build seen marked for deletion, once per build: from its events, and from the
     * reconciler when the API server answered its status write with the build marked (the events of that write and of
     * the mark may never reach this source: JOSDK filters them as its own).
     */
    void markedForDeletion(NixBuild build) {
        if (build.isMarkedForDeletion() && marked.add(build.getMetadata().getUid())) {
            submit(build, false);
        }
    }

    private void submit(NixBuild build, boolean gone) {
        schedule(build, gone, 1, Duration.ZERO);
    }

    private void schedule(NixBuild build, boolean gone, int attempt, Duration delay) {
        try {
            worker.schedule(() -> handle(build, gone, attempt), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping: a build marked for deletion keeps its finalizer and is cleaned up by the next operator
        }
    }

    /** Cleans up once per build, then lets it go (removes the finalizer); a failed attempt is tried again later. */
    private void handle(NixBuild build, boolean isGone, int attempt) {
        String uid = build.getMetadata().getUid();
        try {
            synchronized (lockOf(build)) {
                if (!cleaned.containsKey(uid)) {
                    cleanup.accept(build);
                    cleaned.put(uid, Instant.now());
                }
                if (!isGone) {
                    removeFinalizer(build);
                }
            }
        } catch (RuntimeException e) {
            retryOrGiveUp(build, isGone, attempt, e);
            return;
        } finally {
            if (cleaned.containsKey(uid)) {
                // see lockOf: a cleaned-up build needs no lock, even if its finalizer is still to be removed
                locks.remove(uid);
            }
        }
        if (isGone) {
            gone.add(uid);
        }
        forgetOld(Instant.now());
    }

    private void retryOrGiveUp(NixBuild build, boolean isGone, int attempt, RuntimeException error) {
        String name = build.getMetadata().getNamespace() + "/" + build.getMetadata().getName();
        if (attempt < CLEANUP_ATTEMPTS) {
            Duration delay = firstRetry.multipliedBy(1L << (attempt - 1));
            LOG.warnf(error, "cleaning up deleted NixBuild %s failed (attempt %d of %d), trying again in %s", name,
                    attempt, CLEANUP_ATTEMPTS, delay);
            schedule(build, isGone, attempt + 1, delay);
            return;
        }
        if (isGone) {
            // no event of a gone build comes again, nor a reconcile: its lock would only be kept forever
            locks.remove(build.getMetadata().getUid());
            LOG.errorf(error, "cleaning up deleted NixBuild %s failed %d times; what it left (its logs) stays", name,
                    attempt);
        } else {
            marked.remove(build.getMetadata().getUid());
            LOG.errorf(error, "cleaning up NixBuild %s, marked for deletion, failed %d times; it keeps its finalizer "
                    + "until its next event or the operator's next start tries again", name, attempt);
        }
    }

    /**
     * Reads the build and patches the finalizer away; a write between the two (409, or 422 for a list index that moved)
     * is retried with a fresh read, since no later event of a build being deleted may come to try again.
     */
    private void removeFinalizer(NixBuild build) {
        if (!build.hasFinalizer(Names.FINALIZER)) {
            return;
        }
        for (int attempt = 1;; attempt++) {
            try {
                client.resources(NixBuild.class).inNamespace(build.getMetadata().getNamespace())
                        .withName(build.getMetadata().getName()).edit(b -> {
                            b.removeFinalizer(Names.FINALIZER);
                            return b;
                        });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    return;
                }
                boolean raced = e.getCode() == HttpURLConnection.HTTP_CONFLICT || e.getCode() == 422;
                if (!raced || attempt >= FINALIZER_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Drops the uids of builds gone for longer than {@link #REMEMBERED}. */
    private void forgetOld(Instant now) {
        for (Iterator<Map.Entry<String, Instant>> it = cleaned.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Instant> entry = it.next();
            if (gone.contains(entry.getKey()) && entry.getValue().plus(REMEMBERED).isBefore(now)) {
                it.remove();
                gone.remove(entry.getKey());
            }
        }
    }

    @Override
    public Set<Void> getSecondaryResources(NixBuild primary) {
        return Set.of();
    }

    @Override
    public void stop() {
        super.stop();
        worker.shutdownNow();
    }
}
