package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway benchmark's options, its verdicts and its large input, without a cluster. */
class GatewayBenchmarkUnitTest {

    @TempDir
    Path tmp;

    @Test
    void optionsHaveDefaultsAndSayWhatIsWrong() {
        GatewayBenchmark.Options defaults = GatewayBenchmark.Options.parse(List.of());
        assertThat(defaults.builds()).isEqualTo(10);
        assertThat(defaults.inputMib()).isEqualTo(1024);
        assertThat(defaults.inputDir()).isEqualTo(Path.of("/var/tmp/nixpool-bench"));
        assertThat(defaults.warmUpMib()).isEqualTo(256);
        assertThat(GatewayBenchmark.Options.parse(List.of("--warm-up-mib", "0")).warmUpMib()).isZero();
        assertThatThrownBy(() -> GatewayBenchmark.Options.parse(List.of("--warm-up-mib", "-1")))
                .hasMessage("--warm-up-mib needs a number of 0 or more, got '-1'");
        assertThatThrownBy(() -> GatewayBenchmark.Options.parse(List.of("--input-mib", "64", "--warm-up-mib", "64")))
                .as("the warm-up's input would already be on both builders")
                .hasMessage("--warm-up-mib must differ from --input-mib (64)");
        GatewayBenchmark.Options set = GatewayBenchmark.Options.parse(List.of("--builds", "3", "--input-mib", "8",
                "--input-dir", tmp.toString()));
        assertThat(set.builds()).isEqualTo(3);
        assertThat(set.inputMib()).isEqualTo(8);
        assertThat(set.inputDir()).isEqualTo(tmp);
        assertThatThrownBy(() -> GatewayBenchmark.Options.parse(List.of("--builds", "0")))
                .hasMessage("--builds needs a positive number, got '0'");
        assertThatThrownBy(() -> GatewayBenchmark.Options.parse(List.of("--fast")))
                .hasMessageStartingWith("unknown option '--fast'");
    }

    @Test
    void theTargetsAreTheIssuesRatioAndThroughputShare() {
        LatencyStats direct = LatencyStats.of(List.of(400.0, 410.0, 420.0));
        GatewayComparison met = new GatewayComparison(LatencyStats.of(List.of(500.0, 510.0, 520.0)), direct,
                1L << 30, 10_000, 8_000);
        assertThat(met.ratio()).isEqualTo(510.0 / 410.0);
        assertThat(met.ratioMet()).isTrue();
        assertThat(met.throughputShare()).isEqualTo(0.8);
        assertThat(met.allMet()).isTrue();
        assertThat(GatewayComparison.mibPerSecond(1L << 30, 8_000)).isEqualTo(128.0);

        GatewayComparison missed = new GatewayComparison(LatencyStats.of(List.of(600.0)), direct, 1L << 30, 20_000,
                8_000);
        assertThat(missed.ratioMet()).isFalse();
        assertThat(missed.throughputMet()).isFalse();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        missed.print(new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("target <= 1.3x: NOT MET")
                .contains("target >= 70 %: NOT MET").contains("40 %");
    }

    @Test
    void theLargeInputIsRandomAndWrittenOnce() throws Exception {
        GatewayBenchmark.Options options = GatewayBenchmark.Options.parse(List.of("--input-mib", "2",
                "--input-dir", tmp.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path input = GatewayBenchmark.largeInput(options.inputDir(), options.inputMib(),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(Files.size(input)).isEqualTo(2L << 20);
        byte[] bytes = Files.readAllBytes(input);
        long zeros = 0;
        for (byte b : bytes) {
            zeros += b == 0 ? 1 : 0;
        }
        // random bytes: about one in 256 is zero; a file of zeros would compress to nothing
        assertThat(zeros).isLessThan(bytes.length / 100);
        var modified = Files.getLastModifiedTime(input);
        assertThat(GatewayBenchmark.largeInput(options.inputDir(), options.inputMib(),
                new PrintStream(out, true, StandardCharsets.UTF_8)))
                .isEqualTo(input);
        assertThat(Files.getLastModifiedTime(input)).isEqualTo(modified);
        assertThat(GatewayBenchmark.largeExpression("gateway", "1", "/nix/store/abc-input"))
                .contains("${builtins.storePath \"/nix/store/abc-input\"}")
                .contains("nixpool-gwbench-large-gateway-1");
    }
}
