package dev.nixpool.capacity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The capacity decisions of one pool, pure: how many more builds it takes, which builder a build gets, and how many
 * builders to start or stop. Invariants: never more than maxBuilders builders alive (starting and retiring ones
 * included), never stop a builder that is starting for a build or has one, never go below minIdle warm builders.
 */
public final class Capacity {

    /**
     * Ready (warm) before warming before starting; among Ready ones the busiest that has room (idle ones can then time
     * out), then by slot.
     */
    static final Comparator<Builder> CHOICE = Comparator
            .comparingInt((Builder b) -> switch (b.state()) {
                case READY -> 0;
                case WARMING -> 1;
                default -> 2;
            })
            .thenComparing(Comparator.comparingInt(Builder::claims).reversed())
            .thenComparing(Builder::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparingInt(Builder::slot);

    private Capacity() {
    }

    /** Builds the pool takes now: room on claimable builders plus the builders it may still start. */
    public static int freeSlots(PoolSettings pool, List<Builder> builders) {
        if (pool.draining()) {
            return 0;
        }
        long free = builders.stream()
                .filter(pool::claimable)
                .mapToLong(b -> pool.jobsPerBuilder() - b.claims())
                .sum();
        free += (long) Math.max(0, pool.maxBuilders() - builders.size()) * pool.jobsPerBuilder();
        return (int) Math.min(Integer.MAX_VALUE, free);
    }

    /** The builder a new build gets, if one has room; empty means a new builder must be started. */
    public static Optional<Builder> choose(PoolSettings pool, List<Builder> builders) {
        return builders.stream().filter(pool::claimable).min(CHOICE);
    }

    /** The lowest slot no live builder uses; empty when the pool is at maxBuilders. */
    public static Optional<Integer> nextSlot(PoolSettings pool, List<Builder> builders) {
        if (pool.draining() || builders.size() >= pool.maxBuilders()) {
            return Optional.empty();
        }
        Set<Integer> used = new HashSet<>();
        builders.forEach(b -> used.add(b.slot()));
        int slot = 0;
        while (used.contains(slot)) {
            slot++;
        }
        return Optional.of(slot);
    }

    /**
     * Builders to stop: done ones (retiring, stale or used up) once they have no build; unclaimed starting ones past
     * the start timeout; idle ones past the idle timeout beyond the minIdle kept; every unclaimed one of a draining pool.
     * Builders to start: up to minIdle warm ones, within maxBuilders.
     */
    public static ScalePlan plan(PoolSettings pool, List<Builder> builders, Instant now) {
        List<ScalePlan.Retirement> delete = new ArrayList<>();
        List<Builder> warm = new ArrayList<>();
        Instant deadline = null;
        for (Builder b : builders) {
            if (b.claims() > 0) {
                continue;
            }
            String why = doneReason(pool, b, now);
            if (why != null) {
                delete.add(new ScalePlan.Retirement(b.name(), why));
            } else {
                warm.add(b);
            }
        }
        // minIdle counts starting (and warming) builders first (they are the newest), then the most recently idle
        // Ready ones
        warm.sort(Comparator.comparing((Builder b) -> b.state() == Builder.State.READY)
                .thenComparing(Builder::idleSince, Comparator.nullsFirst(Comparator.reverseOrder())));
        for (int i = 0; i < warm.size(); i++) {
            Builder b = warm.get(i);
            if (b.state() == Builder.State.STARTING) {
                deadline = earliest(deadline, b.createdAt().plus(pool.startTimeout()));
                continue;
            }
            if (b.state() == Builder.State.WARMING) {
                continue; // Ready: not timed out as starting, and not idle yet
            }
            if (i < pool.minIdle()) {
                continue;
            }
            Instant idleEnd = b.idleSince().plus(pool.idleTimeout());
            if (!now.isBefore(idleEnd)) {
                delete.add(new ScalePlan.Retirement(b.name(),
                        "idle for " + pool.idleTimeout().toSeconds() + "s (idleTimeoutSeconds)"));
            } else {
                deadline = earliest(deadline, idleEnd);
            }
        }
        int warmLeft = warm.size() - (int) delete.stream()
                .filter(r -> warm.stream().anyMatch(b -> b.name().equals(r.name())))
                .count();
        int create = 0;
        if (!pool.draining()) {
            create = Math.max(0, Math.min(pool.minIdle() - warmLeft, pool.maxBuilders() - builders.size()));
        }
        return new ScalePlan(create, delete, Optional.ofNullable(deadline));
    }

    /** Why an unclaimed builder is done, or null if it may still serve. */
    private static String doneReason(PoolSettings pool, Builder b, Instant now) {
        if (b.state() == Builder.State.RETIRING) {
            return "it has served its build";
        }
        if (pool.draining()) {
            return "its BuildMachine is being deleted";
        }
        if (b.state() == Builder.State.STARTING && b.createdAt() != null
                && !now.isBefore(b.createdAt().plus(pool.startTimeout()))) {
            return "not Ready within " + pool.startTimeout().toSeconds() + "s (builderStartTimeoutSeconds)";
        }
        if (b.stale()) {
            return "its BuildMachine's builder template changed";
        }
        if (pool.usedUp(b)) {
            return "it served " + b.served() + " builds (maxBuildsPerBuilder)";
        }
        return null;
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }
}
