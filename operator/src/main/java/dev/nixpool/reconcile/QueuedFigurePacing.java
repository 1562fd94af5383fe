package dev.nixpool.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How often a pool's status may be written for its {@code queued} figure alone. During a burst of new builds every
 * arrival moves that figure, and writing it per arrival cost the API server a status write (and a watch event to every
 * informer of BuildMachines) for about every second build; a count that is up to one interval old tells a user as much.
 * Any other change of the status (builders, conditions) is written at once, and carries the figure with it.
 */
final class QueuedFigurePacing {

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

    /** The pool's status was written: the next write for the figure alone waits one interval from now. */
    void wrote(String pool, Instant now) {
        lastWrites.put(pool, now);
    }

    /** The pool is gone. */
    void forget(String pool) {
        lastWrites.remove(pool);
    }
}
