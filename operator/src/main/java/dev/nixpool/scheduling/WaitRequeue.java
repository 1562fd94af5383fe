package dev.nixpool.scheduling;

import java.time.Duration;

/**
 * When a waiting build behind the contenders looks again without an event. Its turn comes by events (builds ahead of it
 * leave the queue, capacity comes back, its shown position is brought up to date), so the look is only a safety net; a
 * build that needs every slot of its pools to turn over several times before its turn can look less often, so that a
 * long queue does not reconcile all of its builds every period. Pure.
 */
public final class WaitRequeue {

    /** A safety net stays one: at most this many periods between two looks. */
    static final int MAX_PERIODS = 10;

    private WaitRequeue() {
    }

    /**
     * @param period the safety net of a build near the head ({@code nixpool.scheduling.pending-requeue})
     * @param position the build's position in the queue (1 = the head)
     * @param capacity builds at a time its pools could run if every slot were free
     * @return one period per turnover of every slot still ahead of the build, from 1 to {@link #MAX_PERIODS}
     */
    public static Duration after(Duration period, int position, long capacity) {
        long turnovers = (Math.max(1, position) - 1) / Math.max(1, capacity);
        return period.multipliedBy(Math.max(1, Math.min(MAX_PERIODS, turnovers)));
    }
}
