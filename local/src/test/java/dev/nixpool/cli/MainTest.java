package dev.nixpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheCommandsAndSucceeds() {
        assertThat(run("--help")).isZero();
        assertThat(out()).startsWith("usage: nixpool [-v] COMMAND").contains("  ping ", "  local ", "  logs ");
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).startsWith("usage: nixpool");
    }

    @Test
    void anUnknownCommandIsNamedAndExits2() {
        assertThat(run("-v", "frobnicate")).isEqualTo(2);
        assertThat(err()).startsWith("nixpool: unknown command 'frobnicate'\nusage: nixpool");
    }

    @Test
    void commandHelpShowsItsUsageWithExitCodes() {
        assertThat(run("ping", "--help")).isZero();
        assertThat(out()).startsWith("usage: nixpool ping").contains("exit codes:", "  7   the login prints text");
    }

    @Test
    void badCommandArgumentsExit2WithTheCommandsUsage() {
        assertThat(run("ping", "--frobnicate", "root@h")).isEqualTo(2);
        assertThat(err()).startsWith("nixpool ping: unknown option '--frobnicate'\nusage: nixpool ping");
    }

    @Test
    void benchNeedsTheNameOfAKnownBenchmark() {
        assertThat(run("bench")).isEqualTo(2);
        assertThat(err())
                .startsWith(
                        "nixpool bench: expected a benchmark name, lifecycle, protocol, scale, upload, gateway or chaos, got nothing\n"
                                + "usage: nixpool bench lifecycle");
        err.reset();
        assertThat(run("bench", "throughput")).isEqualTo(2);
        assertThat(err())
                .startsWith(
                        "nixpool bench: expected a benchmark name, lifecycle, protocol, scale, upload, gateway or chaos, got 'throughput'");
        err.reset();
        assertThat(run("bench", "lifecycle", "--builds", "none")).isEqualTo(2);
        assertThat(err()).startsWith("nixpool bench: --builds needs a positive number, got 'none'");
        err.reset();
        assertThat(run("bench", "upload", "--compression", "bzip2")).isEqualTo(2);
        assertThat(err()).startsWith("nixpool bench: --compression needs one of xz, zstd, none, got 'bzip2'");
        err.reset();
        assertThat(run("bench", "gateway", "--input-mib", "0")).isEqualTo(2);
        assertThat(err()).startsWith("nixpool bench: --input-mib needs a positive number, got '0'");
    }

    @Test
    void registryIsKeyedByName() {
        Main.COMMANDS.forEach((name, command) -> assertThat(command.name()).isEqualTo(name));
        assertThat(Main.COMMANDS).containsKey("ping");
    }
}
