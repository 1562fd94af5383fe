package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ScaleWritesReportTest {

    @Test
    void writesArePerBuildBesidesTheCreatesWithTheAnswersNotStoredByCode() {
        Map<String, Map<Integer, Long>> before = Map.of("nixbuilds/status", Map.of(200, 10L));
        Map<String, Map<Integer, Long>> after = Map.of(
                "nixbuilds", Map.of(201, 4L, 200, 4L),
                "nixbuilds/status", Map.of(200, 18L, 409, 2L),
                "pods", Map.of(404, 1L));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        ScaleBenchmark.printWrites(before, after, 4, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("API writes per build besides its create: 3.8,"
                + " of them answered >= 300: 0.75 (nixbuilds 1.00, nixbuilds/status 2.50 [409: 0.50], pods 0.25"
                + " [404: 0.25])" + System.lineSeparator());
    }
}
