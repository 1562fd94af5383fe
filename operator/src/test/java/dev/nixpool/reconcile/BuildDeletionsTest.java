package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * The operator's own NixBuild deletion: one clean-up per build whichever sign of deletion comes first or twice, never
 * while a reconcile of the build holds its lock, and a reconcile after it sees the build as deleted; a clean-up that
 * throws is tried again, and no lock is kept for a build once it is cleaned up or given up.
 */
class BuildDeletionsTest {

    private final List<String> cleanups = new CopyOnWriteArrayList<>();
    private final BuildDeletions deletions = new BuildDeletions(null,
            build -> cleanups.add(build.getMetadata().getName()
                    + (build.isMarkedForDeletion() ? " marked" : " gone")));

    private final AtomicInteger attempts = new AtomicInteger();
    private final BuildDeletions failingOnce = failingFirst(1);
    private final BuildDeletions alwaysFailing = failingFirst(Integer.MAX_VALUE);

    @AfterEach
    void stop() {
        deletions.stop();
        failingOnce.stop();
        alwaysFailing.stop();
    }

    @Test
    void aBuildMarkedForDeletionThenGoneIsCleanedUpOnce() {
        NixBuild build = build("marked", "u1");
        NixBuild marked = build("marked", "u1");
        marked.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");

        deletions.onResourceUpdated(build, build);
        deletions.onResourceUpdated(marked, build);
        deletions.onResourceDeleted(marked);

        await().atMost(Duration.ofSeconds(10)).until(() -> deletions.deleted(build));
        deletions.onResourceDeleted(marked);
        NixBuild other = build("other", "u2");
        deletions.onResourceDeleted(other);
        await().atMost(Duration.ofSeconds(10)).until(() -> deletions.deleted(other));
        assertThat(cleanups).as("one clean-up each, in the order the signs came").containsExactly("marked marked",
                "other gone");
    }

    /**
     * The event that marked the build never came: JOSDK dropped it as older than the operator's own status write that
     * landed just after it (and dropped that write's event as its own). The next event shows the mark before and after.
     */
    @Test
    void aBuildFirstSeenMarkedOnBothSidesOfAnUpdateIsCleanedUp() {
        NixBuild marked = marked("late", "u9");
        deletions.onResourceUpdated(marked, marked);
        await().atMost(Duration.ofSeconds(10)).until(() -> deletions.deleted(marked));
        assertThat(cleanups).containsExactly("late marked");
    }

    @Test
    void aMarkedStatusWriteAnswerHandsTheBuildOverOnceWhateverEventsFollow() {
        NixBuild build = build("written", "u10");
        deletions.markedForDeletion(build);
        NixBuild marked = marked("written", "u10");
        deletions.markedForDeletion(marked);
        deletions.onResourceUpdated(marked, build);
        deletions.onResourceUpdated(marked, marked);
        await().atMost(Duration.ofSeconds(10)).until(() -> deletions.deleted(marked));
        deletions.onResourceDeleted(marked);
        NixBuild other = build("other", "u11");
        deletions.onResourceDeleted(other);
        await().atMost(Duration.ofSeconds(10)).until(() -> deletions.deleted(other));
        assertThat(cleanups).as("an unmarked answer hands nothing over; the marked one once").containsExactly(
                "written marked", "other gone");
    }

    @Test
    void aBuildDeletedBeforeItHadTheFinalizerIsCleanedUpFromItsDeleteEvent() {
        NixBuild build = build("early", "u3");
        deletions.onResourceCreated(build);
        deletions.onResourceDeleted(build);
        await().atMost(Duration.ofSeconds(10)).until(() -> deletions.deleted(build));
        assertThat(cleanups).containsExactly("early gone");
    }

    @Test
    void aBuildAlreadyMarkedWhenTheOperatorStartsIsCleanedUp() {
        NixBuild build = build("left", "u4");
        build.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");
        deletions.onResourceCreated(build);
        await().atMost(Duration.ofSeconds(10)).until(() -> deletions.deleted(build));
        assertThat(cleanups).containsExactly("left marked");
    }

    @Test
    void theCleanUpWaitsForAReconcileOfTheBuildToEnd() throws InterruptedException {
        NixBuild build = build("busy", "u5");
        AtomicBoolean reconcileEnded = new AtomicBoolean();
        List<Boolean> endedAtCleanup = new CopyOnWriteArrayList<>();
        BuildDeletions observed = new BuildDeletions(null, b -> endedAtCleanup.add(reconcileEnded.get()));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread reconcile = new Thread(() -> {
            synchronized (observed.lockOf(build)) {
                holding.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reconcileEnded.set(true);
            }
        });
        try {
            reconcile.start();
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            observed.onResourceDeleted(build);
            assertThat(observed.deleted(build)).as("not while the reconcile holds the build").isFalse();
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> observed.deleted(build));
            assertThat(endedAtCleanup).containsExactly(true);
        } finally {
            release.countDown();
            reconcile.join();
            observed.stop();
        }
    }

    @Test
    void aCleanUpThatFailsOnTheDeleteEventIsTriedAgainAndTheLockIsDropped() {
        NixBuild build = build("flaky", "u6");
        failingOnce.lockOf(build);
        assertThat(failingOnce.locksKept()).as("a reconcile took the build's lock").isEqualTo(1);

        failingOnce.onResourceDeleted(build);
        await().atMost(Duration.ofSeconds(10)).until(() -> failingOnce.deleted(build));

        assertThat(attempts).hasValue(2);
        assertThat(failingOnce.locksKept()).as("the gone build's lock is dropped").isZero();
        failingOnce.lockOf(build);
        assertThat(failingOnce.locksKept()).as("a reconcile queued before the deletion keeps none").isZero();
        assertThat(failingOnce.deleted(build)).isTrue();
    }

    @Test
    void aCleanUpThatKeepsFailingIsTriedABoundedNumberOfTimesAndKeepsNoLock() {
        NixBuild build = build("broken", "u7");
        alwaysFailing.lockOf(build);
        alwaysFailing.onResourceDeleted(build);
        await().atMost(Duration.ofSeconds(10)).until(() -> alwaysFailing.locksKept() == 0);

        assertThat(attempts).hasValue(BuildDeletions.CLEANUP_ATTEMPTS);
        assertThat(alwaysFailing.deleted(build)).isFalse();
    }

    @Test
    void aMarkedBuildsCleanUpIsTriedAgainToo() {
        NixBuild build = build("marked-flaky", "u8");
        build.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");
        failingOnce.onResourceCreated(build);
        await().atMost(Duration.ofSeconds(10)).until(() -> failingOnce.deleted(build));
        assertThat(attempts).hasValue(2);
        assertThat(failingOnce.locksKept()).isZero();
    }

    /** Deletions whose clean-up throws on its first {@code failures} attempts (retried at once), counting them all. */
    private BuildDeletions failingFirst(int failures) {
        return new BuildDeletions(null, b -> {
            if (attempts.incrementAndGet() <= failures) {
                throw new IllegalStateException("log store unavailable");
            }
        }, Duration.ZERO);
    }

    private static NixBuild marked(String name, String uid) {
        NixBuild build = build(name, uid);
        build.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");
        return build;
    }

    private static NixBuild build(String name, String uid) {
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName(name).withUid(uid).build());
        return build;
    }
}
