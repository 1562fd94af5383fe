package dev.nixpool.metrics;

import static dev.nixpool.api.v1alpha1.NixBuildPhase.Building;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Failed;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Pending;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Scheduled;
import static dev.nixpool.api.v1alpha1.NixBuildPhase.Succeeded;
import static dev.nixpool.metrics.MeterNames.BUILDER_START;
import static dev.nixpool.metrics.MeterNames.BUILDS_FINISHED;
import static dev.nixpool.metrics.MeterNames.BUILDS_RETRIED;
import static dev.nixpool.metrics.MeterNames.BUILD_DURATION;
import static dev.nixpool.metrics.MeterNames.DISPATCH_LATENCY;
import static dev.nixpool.metrics.MeterNames.QUEUE_WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Tags;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.status.Conditions;

/**
 * Status before a reconcile × status written × what this process remembers of the previous phase's entry → the counts
 * and durations the meters get. The build was created at T0 (whole seconds, as the API server keeps it).
 */
class PhaseChangeTest {

    private static final String NS = "ci";
    private static final String POOL = "x86";
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Optional<Instant> NO_MARK = Optional.empty();

    static Stream<Arguments> table() {
        return Stream.of(
                row("first look: no status -> Pending", null, status(Pending), NO_MARK, at(0.3)),
                row("still waiting for capacity", status(Pending), status(Pending), NO_MARK, at(5)),
                row("a pool took it (attempt 1): queue wait since creation",
                        status(Pending), status(Scheduled).machine(POOL).attempts(1), NO_MARK, at(2.5),
                        time(QUEUE_WAIT, pool(POOL), 2.5)),
                row("scheduled again after a lost builder (attempt 2): not a first queue wait",
                        status(Pending).attempts(2), status(Scheduled).machine(POOL).attempts(2), NO_MARK, at(40)),
                row("connected (attempt 1): builder start since the marked scheduling, dispatch since creation",
                        status(Scheduled).machine(POOL).attempts(1).since(Names.CONDITION_SCHEDULED, 2),
                        status(Building).machine(POOL).attempts(1), mark(2.2), at(3),
                        time(BUILDER_START, pool(POOL), 0.8), time(DISPATCH_LATENCY, pool(POOL), 3)),
                row("connected, scheduled by another operator process: the Scheduled condition's time",
                        status(Scheduled).machine(POOL).attempts(1).since(Names.CONDITION_SCHEDULED, 2),
                        status(Building).machine(POOL).attempts(1), NO_MARK, at(3.5),
                        time(BUILDER_START, pool(POOL), 1.5), time(DISPATCH_LATENCY, pool(POOL), 3.5)),
                row("connected (attempt 2): builder start only",
                        status(Scheduled).machine(POOL).attempts(2).since(Names.CONDITION_SCHEDULED, 30),
                        status(Building).machine(POOL).attempts(2), mark(30.4), at(31),
                        time(BUILDER_START, pool(POOL), 0.6)),
                row("Nix built it: build duration since the marked connect, finished Succeeded/Built",
                        status(Building).machine(POOL).attempts(1).since(Names.CONDITION_BUILDER_READY, 3),
                        status(Succeeded).machine(POOL).attempts(1).reason(Names.CONDITION_SUCCEEDED, "Built"),
                        mark(3.4), at(10),
                        time(BUILD_DURATION, pool(POOL).and("result", "Succeeded"), 6.6),
                        count(BUILDS_FINISHED, pool(POOL).and("result", "Succeeded", "reason", "Built"))),
                row("Nix failed it, connect unmarked: build duration since BuilderReady's time",
                        status(Building).machine(POOL).attempts(1).since(Names.CONDITION_BUILDER_READY, 3),
                        status(Failed).machine(POOL).attempts(1).reason(Names.CONDITION_SUCCEEDED,
                                "PermanentFailure"),
                        NO_MARK, at(7.25),
                        time(BUILD_DURATION, pool(POOL).and("result", "Failed"), 4.25),
                        count(BUILDS_FINISHED, pool(POOL).and("result", "Failed", "reason", "PermanentFailure"))),
                row("copied to copyTo: build duration since BuilderReady's time, the upload included",
                        status(NixBuildPhase.Uploading).machine(POOL).attempts(1)
                                .since(Names.CONDITION_BUILDER_READY, 3),
                        status(Succeeded).machine(POOL).attempts(1).reason(Names.CONDITION_SUCCEEDED, "Built"),
                        mark(8), at(12),
                        time(BUILD_DURATION, pool(POOL).and("result", "Succeeded"), 9),
                        count(BUILDS_FINISHED, pool(POOL).and("result", "Succeeded", "reason", "Built"))),
                row("timed out in the queue: no pool, no build duration",
                        status(Pending), status(Failed).reason(Names.CONDITION_SUCCEEDED, "TimedOut"), NO_MARK,
                        at(600),
                        count(BUILDS_FINISHED, pool("").and("result", "Failed", "reason", "TimedOut"))),
                row("connecting failed for good: counted in its pool, never built",
                        status(Scheduled).machine(POOL).attempts(1).since(Names.CONDITION_SCHEDULED, 2),
                        status(Failed).machine(POOL).attempts(1).reason(Names.CONDITION_SUCCEEDED,
                                "HostKeyMismatch"),
                        mark(2), at(4),
                        count(BUILDS_FINISHED, pool(POOL).and("result", "Failed", "reason", "HostKeyMismatch"))),
                row("lost builder with retries left: a retry in the pool it left",
                        status(Building).machine(POOL).attempts(1).since(Names.CONDITION_BUILDER_READY, 3),
                        status(Pending).attempts(2), mark(3), at(20), count(BUILDS_RETRIED, pool(POOL))),
                row("a reason the operator never writes (a hand edit) is Unknown",
                        status(Building).machine(POOL).attempts(1).since(Names.CONDITION_BUILDER_READY, 3),
                        status(Succeeded).machine(POOL).attempts(1).reason(Names.CONDITION_SUCCEEDED, "Mystery"),
                        NO_MARK, at(4),
                        time(BUILD_DURATION, pool(POOL).and("result", "Succeeded"), 1),
                        count(BUILDS_FINISHED, pool(POOL).and("result", "Succeeded", "reason", "Unknown"))),
                row("the API server's clock ahead of the operator's: zero, never negative",
                        status(Pending), status(Scheduled).machine(POOL).attempts(1), NO_MARK, at(-0.4),
                        time(QUEUE_WAIT, pool(POOL), 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void aStatusChangeMeans(String change, StatusBuilder before, StatusBuilder after, Optional<Instant> entered,
            Instant now, List<Observation> expected) {
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName("hello").withUid("uid-1")
                .withCreationTimestamp(Conditions.timestamp(T0)).build());
        build.setStatus(before == null ? null : before.build());

        assertThat(PhaseChange.observe(build, after.build(), now, entered))
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    private static Arguments row(String change, StatusBuilder before, StatusBuilder after, Optional<Instant> entered,
            Instant now, Observation... expected) {
        return Arguments.of(change, before, after, entered, now, List.of(expected));
    }

    private static Instant at(double seconds) {
        return T0.plus(seconds(seconds));
    }

    private static Optional<Instant> mark(double seconds) {
        return Optional.of(at(seconds));
    }

    private static Duration seconds(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static Tags pool(String pool) {
        return Tags.of("namespace", NS, "pool", pool);
    }

    private static Observation time(String name, Tags tags, double seconds) {
        return new Observation.Time(name, tags, seconds(seconds));
    }

    private static Observation count(String name, Tags tags) {
        return new Observation.Count(name, tags);
    }

    private static StatusBuilder status(NixBuildPhase phase) {
        return new StatusBuilder(phase);
    }

    /** A status in a few words; conditions carry whole-second times, as the operator writes them. */
    static final class StatusBuilder {
        private final NixBuildPhase phase;
        private String machine;
        private Integer attempts;
        private final List<Condition> conditions = new ArrayList<>();

        StatusBuilder(NixBuildPhase phase) {
            this.phase = phase;
        }

        StatusBuilder machine(String machine) {
            this.machine = machine;
            return this;
        }

        StatusBuilder attempts(int attempts) {
            this.attempts = attempts;
            return this;
        }

        /** {@code type=True} since T0 + seconds. */
        StatusBuilder since(String type, int seconds) {
            conditions.add(new ConditionBuilder().withType(type).withStatus("True").withReason("Any")
                    .withLastTransitionTime(Conditions.timestamp(T0.plusSeconds(seconds))).build());
            return this;
        }

        StatusBuilder reason(String type, String reason) {
            conditions.add(new ConditionBuilder().withType(type)
                    .withStatus(phase == Succeeded ? "True" : "False").withReason(reason)
                    .withLastTransitionTime(Conditions.timestamp(T0)).build());
            return this;
        }

        NixBuildStatus build() {
            NixBuildStatus status = new NixBuildStatus();
            status.setPhase(phase);
            status.setMachine(machine);
            status.setAttempts(attempts);
            status.setConditions(new ArrayList<>(conditions));
            return status;
        }

        @Override
        public String toString() {
            return phase + (machine != null ? " on " + machine : "") + (attempts != null ? " #" + attempts : "");
        }
    }
}
