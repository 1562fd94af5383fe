package dev.nixpool.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.Tags;

/** One thing a status change tells the meters: a count of one, or a duration. */
public sealed interface Observation {

    String name();

    Tags tags();

    /** One more of {@code name}. */
    record Count(String name, Tags tags) implements Observation {
    }

    /** {@code duration} goes to the timer {@code name}. */
    record Time(String name, Tags tags, Duration duration) implements Observation {
    }
}
