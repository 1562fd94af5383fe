package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.nixpool.api.v1alpha1.NixBuildPhase;

class ChaosReportTest {

    private static final ChaosOptions OPTIONS = ChaosOptions.of(3, 1, 1, 1, 13);

    @Test
    void aRunThatKeptEveryPromiseHasNoFailuresAndPrintsItsFigures() {
        ChaosReport report = report(List.of(succeeded("chaos-0", 1, 0, List.of()),
                succeeded("chaos-1", 2, 1, List.of(1)), succeeded("chaos-2", 2, 1, List.of())), Map.of(), List.of());

        assertThat(report.failures()).isEmpty();
        assertThat(report.attemptsHistogram()).isEqualTo(Map.of(1, 1, 2, 2));
        String printed = print(report);
        assertThat(printed).contains("succeeded                      3 of 3")
                .contains("operator kills / restarts      1 / 1")
                .contains("attempts histogram             1 attempt: 1, 2 attempts: 2")
                .contains("every promise held");
    }

    @Test
    void everyBrokenPromiseIsAFailure() {
        ChaosReport report = report(List.of(
                new ChaosReport.BuildEnd("chaos-0", NixBuildPhase.Failed, 3, 0, List.of(), "chaos-0: Failed"),
                succeeded("chaos-1", 1, 1, List.of(1)), succeeded("chaos-2", 1, 0, List.of())),
                Map.of("chaos-2 attempt 1", Set.of("default-0-a", "default-1-b")), List.of("default-0-a"));

        assertThat(report.failures()).hasSize(4).anySatisfy(f -> assertThat(f).startsWith("did not succeed: chaos-0"))
                .anySatisfy(f -> assertThat(f).startsWith("attempt 1 of chaos-1 lost its builder pod but no"
                        + " attempt followed"))
                .anySatisfy(f -> assertThat(f).startsWith("two builder pods for chaos-2 attempt 1"))
                .anySatisfy(f -> assertThat(f).isEqualTo("left behind: pods [default-0-a], Secrets []"));
        assertThat(print(report)).contains("FAILED: did not succeed: chaos-0");
    }

    @Test
    void chaosThatDidNotHappenIsAFailure() {
        ChaosReport report = new ChaosReport(OPTIONS, List.of(), 0, 0, 1, 0, Map.of(), 0, 0, List.of(), List.of(), 1,
                1, 1, List.of("stuck: waited 5 min for a held build Building, to release (at 300.0 s)"));
        assertThat(report.failures()).containsExactly(
                "stuck: waited 5 min for a held build Building, to release (at 300.0 s)",
                "operator kills: 0 done of 1 planned", "connection cuts: 0 done of 1 planned");
    }

    private static ChaosReport report(List<ChaosReport.BuildEnd> builds, Map<String, Set<String>> doubled,
            List<String> leftoverPods) {
        return new ChaosReport(OPTIONS, builds, 1, 1, 1, 1, doubled, doubled.isEmpty() ? 1 : 2, 5, leftoverPods,
                List.of(), 10, 11, 12, List.of());
    }

    private static ChaosReport.BuildEnd succeeded(String name, int attempts, int hits, List<Integer> deleted) {
        return new ChaosReport.BuildEnd(name, NixBuildPhase.Succeeded, attempts, hits, deleted, name);
    }

    private static String print(ChaosReport report) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
