package dev.nixpool.metrics;

import static dev.nixpool.metrics.MeterNames.BUILDER_START;
import static dev.nixpool.metrics.MeterNames.BUILDS_FINISHED;
import static dev.nixpool.metrics.MeterNames.BUILDS_RETRIED;
import static dev.nixpool.metrics.MeterNames.BUILD_DURATION;
import static dev.nixpool.metrics.MeterNames.DISPATCH_LATENCY;
import static dev.nixpool.metrics.MeterNames.QUEUE_WAIT;
import static dev.nixpool.metrics.MeterNames.STATUS_WRITES;
import static dev.nixpool.metrics.MeterNames.TAG_KIND;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

/**
 * Turns written NixBuild statuses into counts and timings ({@link PhaseChange} decides what each change means). The
 * reconciler calls it once a status write went through: a write that loses a conflict is retried with fresh data and
 * counts nothing, so no change is counted twice.
 */
@ApplicationScoped
public class BuildMetrics {

    /** Builds in flight whose phase entry times are kept; far more than one operator runs at once. */
    static final int MARKS = 10_000;

    /**
     * The range each timer's histogram buckets cover (Micrometer's percentile histogram, cut to this range): builds
     * are seconds to hours, builder pods start in under a second locally and in minutes on a cold node.
     */
    private static final Map<String, Range> RANGES = Map.of(
            QUEUE_WAIT, new Range("NixBuild created until a pool took it (first attempt)", Duration.ofMillis(10),
                    Duration.ofHours(6)),
            BUILDER_START, new Range("NixBuild scheduled until its builder session was up (each attempt)",
                    Duration.ofMillis(10), Duration.ofMinutes(30)),
            BUILD_DURATION, new Range("builder session up until the build's final phase (the last attempt)",
                    Duration.ofMillis(100), Duration.ofHours(24)),
            DISPATCH_LATENCY, new Range("NixBuild created until its builder session was up (first attempt)",
                    Duration.ofMillis(10), Duration.ofHours(6)));

    private record Range(String description, Duration min, Duration max) {
    }

    private final MeterRegistry registry;
    private final Counter statusWrites;
    private final PhaseMarks marks = new PhaseMarks(MARKS);

    public BuildMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.statusWrites = Counter.builder(STATUS_WRITES).tag(TAG_KIND, NixBuild.class.getSimpleName())
                .description("status updates the operator wrote to the API server").register(registry);
    }

    /**
     * A reconcile wrote {@code after} as the status of {@code before}.
     *
     * @param now the reconcile's time: when the change happened as far as the operator knows
     */
    public void statusWritten(NixBuild before, NixBuildStatus after, Instant now) {
        statusWrites.increment();
        NixBuildPhase from = PhaseChange.phaseOf(before.getStatus());
        NixBuildPhase to = PhaseChange.phaseOf(after);
        if (from == to) {
            return;
        }
        String uid = before.getMetadata().getUid();
        PhaseChange.observe(before, after, now, marks.entered(uid, from)).forEach(this::record);
        marks.moved(uid, to, now);
    }

    private void record(Observation observation) {
        if (observation instanceof Observation.Time time) {
            timer(time.name(), time.tags()).record(time.duration());
        } else {
            counter(observation.name(), observation.tags()).increment();
        }
    }

    private Counter counter(String name, Tags tags) {
        String description = switch (name) {
            case BUILDS_FINISHED -> "NixBuilds that reached Succeeded or Failed";
            case BUILDS_RETRIED -> "attempts that lost their builder and sent the NixBuild back to the queue";
            default -> throw new IllegalArgumentException("not a counter of build phases: " + name);
        };
        return Counter.builder(name).tags(tags).description(description).register(registry);
    }

    private Timer timer(String name, Tags tags) {
        Range range = RANGES.get(name);
        if (range == null) {
            throw new IllegalArgumentException("not a timer of build phases: " + name);
        }
        return Timer.builder(name).tags(tags).description(range.description()).publishPercentileHistogram()
                .minimumExpectedValue(range.min()).maximumExpectedValue(range.max()).register(registry);
    }
}
