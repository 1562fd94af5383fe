package dev.nixpool.lifecycle;

import java.time.Duration;
import java.util.Optional;

/** What a step wants next: to be run again after a delay, or only when something changes. */
public record StepOutcome(Optional<Duration> requeueAfter) {

    public static StepOutcome requeue(Duration delay) {
        return new StepOutcome(Optional.of(delay));
    }

    /**
     * Run the next phase's step right after this status is written (status writes of our own wake no reconcile).
     */
    public static StepOutcome next() {
        return new StepOutcome(Optional.of(Duration.ofMillis(100)));
    }

    public static StepOutcome waitForEvents() {
        return new StepOutcome(Optional.empty());
    }
}
