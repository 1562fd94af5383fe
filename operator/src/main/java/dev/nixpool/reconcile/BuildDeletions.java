package dev.nixpool.reconcile;

import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
 * when it is gone without that (deleted before its finalizer was stored). The clean-up runs off the informer's
 * thread, under the build's lock: never at the same time as a reconcile of the build, and a reconcile that comes after
 * it does nothing ({@link #deleted}).
 */
final class BuildDeletions extends AbstractEventSource<Void, NixBuild> implements ResourceEventAware<NixBuild> {

    private static final Logger LOG = Logger.getLogger(BuildDeletions.class);
    /** How long a deleted build's uid is remembered: far longer than a reconcile that started before it takes. */
    static final Duration REMEMBERED = Duration.ofMinutes(10);
    private static final int FINALIZER_ATTEMPTS = 5;

    private final KubernetesClient client;
    private final Consumer<NixBuild> cleanup;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, Instant> cleaned = new ConcurrentHashMap<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "nixpool-build-deletions");
        t.setDaemon(true);
        return t;
    });

    /** @param cleanup cleans up one build: ends its runs, gives back (and deletes) its builder, deletes its logs */
    BuildDeletions(KubernetesClient client, Consumer<NixBuild> cleanup) {
        super(Void.class, "deletions");
        this.client = client;
        this.cleanup = cleanup;
    }

    /** The lock a reconcile of the build holds; the clean-up takes it too. */
    Object lockOf(NixBuild build) {
        return locks.computeIfAbsent(build.getMetadata().getUid(), uid -> new Object());
    }

    /** Whether the build was cleaned up: a reconcile of it (under its lock) must do nothing. */
    boolean deleted(NixBuild build) {
        return cleaned.containsKey(build.getMetadata().getUid());
    }

    @Override
    public void onResourceCreated(NixBuild build) {
        // a build already marked for deletion when the operator (re)started: JOSDK never reconciles it
        if (build.isMarkedForDeletion()) {
            submit(build, false);
        }
    }

    @Override
    public void onResourceUpdated(NixBuild now, NixBuild before) {
        if (now.isMarkedForDeletion() && (before == null || !before.isMarkedForDeletion())) {
            submit(now, false);
        }
    }

    @Override
    public void onResourceDeleted(NixBuild build) {
        submit(build, true);
    }

    private void submit(NixBuild build, boolean gone) {
        try {
            worker.execute(() -> handle(build, gone));
        } catch (RejectedExecutionException e) {
            // stopping: a build marked for deletion keeps its finalizer and is cleaned up by the next operator
        }
    }

    /** Cleans up once per build, then lets it go (removes the finalizer) or, once it is gone, forgets its lock. */
    void handle(NixBuild build, boolean isGone) {
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
            // the next event of the build (or the operator's next start, for one marked for deletion) tries again
            LOG.warnf(e, "cleaning up deleted NixBuild %s/%s failed", build.getMetadata().getNamespace(),
                    build.getMetadata().getName());
            return;
        }
        if (isGone) {
            gone.add(uid);
        }
        forgetOld(Instant.now());
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
                locks.remove(entry.getKey());
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
