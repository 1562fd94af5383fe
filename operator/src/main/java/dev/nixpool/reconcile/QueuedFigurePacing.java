package dev.nixpool.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import dev.nixpool.api.v1alpha1.BuildMachineStatus;

/**
 * How often a pool's status may be written for its {@code queued} figure alone. During a burst of new builds every
 * arrival moves that figure, and writing it per arrival cost the API server a status write (and a watch event to every
 * informer of BuildMachines) for about every second build; a count that is up to one interval old tells a user as much.
 * Any other change of the status (builders, conditions) is written at once, and carries the figure with it.
 */
final class QueuedFigurePacing {

    /** A pool reconcile's status write: whether to write, and when to look again if the figure was held. */
    record Decision(boolean write, Optional<Instant> lookAgain) {
    }

    private final Duration interval;
    private final Map<String, Instant> lastWrites = new ConcurrentHashMap<>();

    QueuedFigurePacing(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("the pool status interval must not be negative, got " + interval);
        }
        this.interval = interval;
    }

    /** Until when a write that only moves the figure waits (the pool is looked at again then); empty: it may be now. */
    Optional<Instant> heldUntil(String pool, Instant now) {
        Instant last = lastWrites.get(pool);
        if (last == null) {
            return Optional.empty();
        }
        Instant next = last.plus(interval);
        return next.isAfter(now) ? Optional.of(next) : Optional.empty();
    }

    /**
     * Whether to write {@code status}, whose figure is the fresh one: while the figure alone would change and the pool's
     * last write was less than the interval ago, the status keeps the figure the pool shows ({@code shown}) and nothing
     * is written; anything else that changes is written at once, with the fresh figure. {@code changes} (whether the
     * status would change what the pool shows; it serializes both) is asked once.
     */
    Decision decide(String pool, Instant now, BuildMachineStatus status, Integer shown,
            Predicate<BuildMachineStatus> changes) {
        Integer fresh = status.getQueued();
        Optional<Instant> held = shown == null || shown.equals(fresh) ? Optional.empty() : heldUntil(pool, now);
        held.ifPresent(until -> status.setQueued(shown));
        boolean changed = changes.test(status);
        if (held.isPresent() && changed) {
            // the fresh figure differs from the one shown: the status still changes with it
            status.setQueued(fresh);
            return new Decision(true, Optional.empty());
        }
        return new Decision(changed, held);
    }

    /** The pool's status was written: the next write for the figure alone waits one interval from now. */
    void wrote(String pool, Instant now) {
        lastWrites.put(pool, now);
    }

    /** The pool is gone. */
    void forget(String pool) {
        lastWrites.remove(pool);
    }
}
