package dev.nixpool.local;

import java.time.Duration;

/**
 * How long a crashed operator waits before it is started again, as the kubelet does for a container of a Deployment's
 * pod: the first restart at once, then 10 s doubling up to 5 min; a process that ran 10 min before it exited counts as
 * healthy again and starts the sequence over. A crash loop (a bad setting, an API server that refuses it) thus costs
 * a few starts, not a busy machine.
 */
record RestartBackoff(Duration first, Duration max, Duration resetAfter) {

    static final RestartBackoff KUBELET = new RestartBackoff(Duration.ofSeconds(10), Duration.ofMinutes(5),
            Duration.ofMinutes(10));

    /**
     * @param crashesInARow the exits without a long enough run in between, this one included (1 for the first)
     * @return the pause before the next start
     */
    Duration delay(int crashesInARow) {
        if (crashesInARow <= 1) {
            return Duration.ZERO;
        }
        Duration delay = first;
        for (int i = 2; i < crashesInARow && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) < 0 ? delay : max;
    }

    /** Whether a process that ran this long before it exited had been healthy, so the count starts over. */
    boolean healthyRun(Duration ranFor) {
        return ranFor.compareTo(resetAfter) >= 0;
    }
}
