package dev.nixpool.capacity;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a pool's capacity needs now: builders to start, builders to stop (with why, for the Event), and when to look
 * again if nothing else happens (the next idle or start deadline).
 */
public record ScalePlan(int create, List<Retirement> delete, Optional<Instant> nextDeadline) {

    public record Retirement(String name, String why) {
    }

    public ScalePlan {
        delete = List.copyOf(delete);
    }
}
