package dev.nixpool.metrics;

import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.micrometer.core.instrument.Tags;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineStatus;

/** A BuildMachine's status → its builders by state. */
class BuilderCountsTest {

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("no status yet", null, new BuilderCounts(0, 0, 0)),
                Arguments.of("nothing alive", status(0, 0, 0), new BuilderCounts(0, 0, 0)),
                Arguments.of("all busy", status(0, 0, 3), new BuilderCounts(0, 0, 3)),
                Arguments.of("each state as the pool reports it", status(1, 2, 1), new BuilderCounts(1, 2, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void statusToCounts(String situation, BuildMachineStatus status, BuilderCounts expected) {
        assertThat(BuilderCounts.of(status)).isEqualTo(expected);
    }

    @Test
    void everyPoolHasARowPerStateZerosIncluded() {
        BuildMachine pool = machine("ci", "x86", 2, List.of("x86_64-linux"), List.of(), List.of());
        pool.setStatus(status(0, 1, 1));
        BuildMachine fresh = machine("ci", "arm", 2, List.of("aarch64-linux"), List.of(), List.of());

        assertThat(BuilderCounts.rows(List.of(pool, fresh))).containsExactlyInAnyOrderEntriesOf(Map.of(
                row("x86", "starting"), 0L, row("x86", "idle"), 1L, row("x86", "busy"), 1L,
                row("arm", "starting"), 0L, row("arm", "idle"), 0L, row("arm", "busy"), 0L));
    }

    private static Tags row(String pool, String state) {
        return Tags.of("namespace", "ci", "pool", pool, "state", state);
    }

    private static BuildMachineStatus status(int starting, int idle, int busy) {
        BuildMachineStatus status = new BuildMachineStatus();
        status.setBuilders(starting + idle + busy);
        status.setStartingBuilders(starting);
        status.setIdleBuilders(idle);
        status.setBusyBuilders(busy);
        return status;
    }
}
