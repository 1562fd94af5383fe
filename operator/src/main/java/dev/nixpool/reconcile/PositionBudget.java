package dev.nixpool.reconcile;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The one budget for rewriting waiting builds' queue positions, per namespace: {@code writesPerSecond} on average.
 * When a build leaves the head of a long queue every build behind it moves up one place; shown at once, each departure
 * would cost a status write per waiting build. {@link QueuePositionSource} spends this budget on the builds whose
 * shown position is wrong (and grants each the rewrite it wakes it for); any other reconcile of a waiting build (its
 * safety requeue, a wake-up because capacity came back) may move its shown position only with budget to spare, else
 * it keeps the position it shows and the source brings it up to date later.
 * <p>
 * A new build's first position is always written (until then the user cannot see where it stands), but it is a status
 * write of the namespace's queue like any other, so it is paid from the same budget ({@link #arrived}): while builds
 * arrive faster than the budget's rate (a burst of creations: 1,000 applied at once), the positions of the builds
 * already waiting are not rewritten on top of the arrivals' own writes, and once arrivals stop they are brought up to
 * date within a second.
 */
final class PositionBudget {

    private final long nanosPerWrite;
    /** System.nanoTime() before which a namespace has no budget left: its earlier writes are paid first. */
    private final Map<String, Long> quietUntil = new HashMap<>();
    private final Set<String> granted = new HashSet<>();

    PositionBudget(int writesPerSecond) {
        this.nanosPerWrite = TimeUnit.SECONDS.toNanos(1) / Math.max(1, writesPerSecond);
    }

    /** Whether the namespace's earlier writes are still being paid for at {@code now}. */
    synchronized boolean quiet(String namespace, long now) {
        Long until = quietUntil.get(namespace);
        return until != null && now - until < 0;
    }

    /** Spends the budget on {@code writes} position rewrites in the namespace, each granted to its build. */
    synchronized void spend(String namespace, Set<String> buildKeys, long now) {
        granted.addAll(buildKeys);
        charge(namespace, buildKeys.size(), now);
    }

    /**
     * Whether a reconcile of the build may move its shown position now: it was woken for that, or one write fits in
     * the namespace's budget (then spent).
     */
    synchronized boolean take(String namespace, String buildKey, long now) {
        if (granted.remove(buildKey)) {
            return true;
        }
        if (quiet(namespace, now)) {
            return false;
        }
        charge(namespace, 1, now);
        return true;
    }

    /**
     * A new waiting build's first position was written: paid like a rewrite, but the namespace's debt from arrivals
     * reaches at most one second beyond {@code now} (a burst of 1,000 arrivals would otherwise silence every rewrite
     * for 50 s after it at 20 a second); debt from earlier rewrites is never shortened.
     */
    synchronized void arrived(String namespace, long now) {
        long from = quiet(namespace, now) ? quietUntil.get(namespace) : now;
        long until = Math.min(from + nanosPerWrite, now + TimeUnit.SECONDS.toNanos(1));
        if (until - from > 0) {
            quietUntil.put(namespace, until);
        }
    }

    /** The build is gone: a grant it never used is dropped. */
    synchronized void forget(String buildKey) {
        granted.remove(buildKey);
    }

    /** Forgets namespaces that have no waiting builds any more. */
    synchronized void retain(Set<String> namespaces) {
        quietUntil.keySet().retainAll(namespaces);
    }

    private void charge(String namespace, int writes, long now) {
        long from = quiet(namespace, now) ? quietUntil.get(namespace) : now;
        quietUntil.put(namespace, from + nanosPerWrite * writes);
    }
}
