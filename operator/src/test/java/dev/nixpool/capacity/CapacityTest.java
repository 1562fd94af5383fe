package dev.nixpool.capacity;

import static dev.nixpool.capacity.Builder.State.READY;
import static dev.nixpool.capacity.Builder.State.RETIRING;
import static dev.nixpool.capacity.Builder.State.STARTING;
import static dev.nixpool.capacity.Builder.State.WARMING;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The capacity decisions as a table: pool settings and builders in, free slots, choice and plan out. */
class CapacityTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration IDLE = Duration.ofSeconds(300);
    private static final Duration START = Duration.ofSeconds(600);

    private static PoolSettings pool(int maxBuilders, int jobs, int minIdle) {
        return new PoolSettings(maxBuilders, jobs, minIdle, IDLE, START, 0, false);
    }

    /** A builder created at T0, idle since {@code idleFor} before the time of the row. */
    private static Builder b(String name, int slot, Builder.State state, int claims) {
        return new Builder(name, slot, state, claims, T0, T0, false, 0);
    }

    private static Builder idleSince(String name, int slot, Instant since) {
        return new Builder(name, slot, READY, 0, T0, since, false, 0);
    }

    static Stream<Arguments> freeSlots() {
        return Stream.of(
                Arguments.of("an empty pool: maxBuilders builders to start", pool(3, 1, 0), List.of(), 3),
                Arguments.of("reusable: maxJobs builds per builder", pool(2, 2, 0), List.of(b("a", 0, READY, 1)), 3),
                Arguments.of("a starting builder takes builds too", pool(1, 1, 0), List.of(b("a", 0, STARTING, 0)),
                        1),
                Arguments.of("a retiring builder takes none but holds its place", pool(2, 1, 0),
                        List.of(b("a", 0, RETIRING, 0)), 1),
                Arguments.of("full", pool(2, 1, 0), List.of(b("a", 0, READY, 1), b("b", 1, STARTING, 1)), 0),
                Arguments.of("a stale idle builder takes none", pool(1, 1, 0),
                        List.of(new Builder("a", 0, READY, 0, T0, T0, true, 0)), 0),
                Arguments.of("a used-up reusable builder takes none",
                        new PoolSettings(1, 2, 0, IDLE, START, 3, false),
                        List.of(new Builder("a", 0, READY, 0, T0, T0, false, 3)), 0),
                Arguments.of("draining: nothing", new PoolSettings(3, 1, 0, IDLE, START, 0, true), List.of(), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void freeSlots(String rule, PoolSettings pool, List<Builder> builders, int expected) {
        assertThat(Capacity.freeSlots(pool, builders)).isEqualTo(expected);
    }

    static Stream<Arguments> choice() {
        return Stream.of(
                Arguments.of("Ready before starting", pool(3, 1, 0),
                        List.of(b("starting", 0, STARTING, 0), b("ready", 1, READY, 0)), "ready"),
                Arguments.of("the busiest Ready one with room (idle ones can time out)", pool(3, 2, 0),
                        List.of(b("idle", 0, READY, 0), b("half", 1, READY, 1)), "half"),
                Arguments.of("warm before warming (its kept connection still being made)", pool(3, 1, 0),
                        List.of(b("warming", 0, WARMING, 0), b("warm", 1, READY, 0)), "warm"),
                Arguments.of("warming before starting", pool(3, 1, 0),
                        List.of(b("starting", 0, STARTING, 0), b("warming", 1, WARMING, 0)), "warming"),
                Arguments.of("a warming builder is still given when nothing warmer has room", pool(3, 1, 0),
                        List.of(b("busy", 0, READY, 1), b("warming", 1, WARMING, 0)), "warming"),
                Arguments.of("never a full one", pool(3, 1, 0), List.of(b("busy", 0, READY, 1)), null),
                Arguments.of("never a retiring one", pool(3, 1, 0), List.of(b("old", 0, RETIRING, 0)), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void choice(String rule, PoolSettings pool, List<Builder> builders, String expected) {
        assertThat(Capacity.choose(pool, builders).map(Builder::name).orElse(null)).isEqualTo(expected);
    }

    static Stream<Arguments> plans() {
        Instant now = T0.plus(Duration.ofHours(1));
        return Stream.of(
                Arguments.of("minIdle 2 from nothing", pool(5, 1, 2), List.of(), now, 2, List.of()),
                Arguments.of("minIdle counts starting builders", pool(5, 1, 2), List.of(b("s", 0, STARTING, 0)),
                        T0, 1, List.of()),
                Arguments.of("minIdle counts warming builders: none more started", pool(5, 1, 1),
                        List.of(b("w", 0, WARMING, 0)), T0, 0, List.of()),
                Arguments.of("a warming builder counts toward maxBuilders", pool(2, 1, 3),
                        List.of(b("w", 0, WARMING, 0), b("busy", 1, READY, 1)), T0, 0, List.of()),
                Arguments.of("a warming builder is neither timed out as starting nor as idle", pool(5, 1, 0),
                        List.of(b("w", 0, WARMING, 0)), T0.plus(START).plus(IDLE), 0, List.of()),
                Arguments.of("never beyond maxBuilders", pool(2, 1, 3), List.of(b("busy", 0, READY, 1)), now, 1,
                        List.of()),
                Arguments.of("busy builders do not count as warm", pool(5, 1, 1), List.of(b("busy", 0, READY, 1)),
                        now, 1, List.of()),
                Arguments.of("idle past the timeout: stopped", pool(5, 1, 0),
                        List.of(idleSince("old", 0, now.minus(IDLE))), now, 0, List.of("old")),
                Arguments.of("idle within the timeout: kept", pool(5, 1, 0),
                        List.of(idleSince("new", 0, now.minusSeconds(10))), now, 0, List.of()),
                Arguments.of("never below minIdle: the longest idle goes first", pool(5, 1, 1),
                        List.of(idleSince("older", 0, now.minusSeconds(900)),
                                idleSince("old", 1, now.minusSeconds(600))),
                        now, 0, List.of("older")),
                Arguments.of("a busy or starting-for-a-build builder is never stopped", pool(5, 1, 0),
                        List.of(b("busy", 0, READY, 1), b("claimed", 1, STARTING, 1)), now, 0, List.of()),
                Arguments.of("an unclaimed builder not Ready within the start timeout is replaced", pool(5, 1, 1),
                        List.of(b("stuck", 0, STARTING, 0)), T0.plus(START), 1, List.of("stuck")),
                Arguments.of("a retiring builder goes once its builds are done", pool(5, 1, 0),
                        List.of(b("done", 0, RETIRING, 0), b("finishing", 1, RETIRING, 1)), now, 0,
                        List.of("done")),
                Arguments.of("a stale idle builder is replaced", pool(5, 1, 1),
                        List.of(new Builder("stale", 0, READY, 0, T0, now, true, 0)), now, 1, List.of("stale")),
                Arguments.of("draining: every unclaimed builder goes, none starts",
                        new PoolSettings(5, 1, 2, IDLE, START, 0, true),
                        List.of(idleSince("idle", 0, now), b("busy", 1, READY, 1)), now, 0, List.of("idle")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void plans(String rule, PoolSettings pool, List<Builder> builders, Instant now, int create,
            List<String> deleted) {
        ScalePlan plan = Capacity.plan(pool, builders, now);
        assertThat(plan.create()).as("builders to start").isEqualTo(create);
        assertThat(plan.delete()).extracting(ScalePlan.Retirement::name).as("builders to stop")
                .containsExactlyInAnyOrderElementsOf(deleted);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void noPlanExceedsMaxBuildersOrStopsABusyBuilder(String rule, PoolSettings pool, List<Builder> builders,
            Instant now, int create, List<String> deleted) {
        ScalePlan plan = Capacity.plan(pool, builders, now);
        assertThat(builders.size() + plan.create()).isLessThanOrEqualTo(Math.max(pool.maxBuilders(), builders.size()));
        List<String> busy = builders.stream().filter(b -> b.claims() > 0).map(Builder::name).toList();
        assertThat(plan.delete()).extracting(ScalePlan.Retirement::name).noneMatch(busy::contains);
    }

    @org.junit.jupiter.api.Test
    void aWarmingBuilderIsCountedAsStartingNotIdle() {
        BuilderCounts counts = BuilderCounts.of(List.of(b("w", 0, WARMING, 0), b("i", 1, READY, 0),
                b("s", 2, STARTING, 0), b("busy", 3, WARMING, 1)));
        assertThat(counts).isEqualTo(new BuilderCounts(4, 2, 1, 1));
    }

    @org.junit.jupiter.api.Test
    void theNextDeadlineIsTheEarliestIdleOrStartEnd() {
        Instant now = T0.plusSeconds(100);
        ScalePlan plan = Capacity.plan(pool(5, 1, 0),
                List.of(idleSince("idle", 0, T0), b("starting", 1, STARTING, 0)), now);
        assertThat(plan.nextDeadline()).contains(T0.plus(IDLE));
    }
}
