package dev.nixpool.capacity;

import java.time.Duration;

/**
 * A pool's capacity settings, from its BuildMachine spec.
 *
 * @param jobsPerBuilder builds one builder runs at once: 1 for ephemeral pools, maxJobs for reusable ones
 * @param maxBuildsPerBuilder builds after which a reusable builder is replaced; 0 for never
 * @param draining the BuildMachine is being deleted: no new builds, no new builders
 */
public record PoolSettings(int maxBuilders, int jobsPerBuilder, int minIdle, Duration idleTimeout,
        Duration startTimeout, int maxBuildsPerBuilder, boolean draining) {

    public PoolSettings {
        if (maxBuilders < 0 || jobsPerBuilder < 1 || minIdle < 0 || maxBuildsPerBuilder < 0) {
            throw new IllegalArgumentException("invalid pool settings: maxBuilders " + maxBuilders + ", jobs "
                    + jobsPerBuilder + ", minIdle " + minIdle + ", maxBuildsPerBuilder " + maxBuildsPerBuilder);
        }
    }

    boolean usedUp(Builder builder) {
        return maxBuildsPerBuilder > 0 && builder.served() >= maxBuildsPerBuilder;
    }

    /** Can take one more build now or once Ready. */
    boolean claimable(Builder builder) {
        return !draining && builder.state() != Builder.State.RETIRING && !builder.stale() && !usedUp(builder)
                && builder.claims() < jobsPerBuilder;
    }
}
