package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ChaosOptionsTest {

    @Test
    void defaultsAreIssue13sRun() {
        ChaosOptions options = ChaosOptions.parse(List.of());
        assertThat(options.builds()).isEqualTo(50);
        assertThat(options.operatorKills()).isEqualTo(5);
        assertThat(options.podDeletes()).isEqualTo(5);
        assertThat(options.connectionCuts()).isEqualTo(5);
        assertThat(options.concurrency()).isEqualTo(4);
        assertThat(options.seed()).isEqualTo(13);
        assertThat(options.operatorProperties()).isEmpty();
        assertThat(options.operatorLog()).isNull();
    }

    @Test
    void readsEveryOption() {
        ChaosOptions options = ChaosOptions.parse(List.of("--builds", "8", "--operator-kills", "1", "--pod-deletes",
                "0", "--connection-cuts", "2", "--concurrency", "3", "--seed", "-42", "--set",
                "nixpool.runner.threads=4", "--operator-log", "op.log"));
        assertThat(options).extracting(ChaosOptions::builds, ChaosOptions::operatorKills, ChaosOptions::podDeletes,
                ChaosOptions::connectionCuts, ChaosOptions::concurrency, ChaosOptions::seed)
                .containsExactly(8, 1, 0, 2, 3, -42L);
        assertThat(options.operatorProperties()).isEqualTo(Map.of("nixpool.runner.threads", "4"));
        assertThat(options.operatorLog().isAbsolute()).isTrue();
    }

    @Test
    void saysWhatIsWrong() {
        assertThatThrownBy(() -> ChaosOptions.parse(List.of("--builds", "0")))
                .hasMessage("--builds needs a number of at least 1, got '0'");
        assertThatThrownBy(() -> ChaosOptions.parse(List.of("--pod-deletes", "-1")))
                .hasMessage("--pod-deletes needs a number of at least 0, got '-1'");
        assertThatThrownBy(() -> ChaosOptions.parse(List.of("--seed", "x")))
                .hasMessage("--seed needs a whole number, got 'x'");
        assertThatThrownBy(() -> ChaosOptions.parse(List.of("--connection-cuts")))
                .hasMessage("--connection-cuts needs a number after it, got nothing");
        assertThatThrownBy(
                () -> ChaosOptions.parse(List.of("--builds", "1", "--pod-deletes", "11", "--connection-cuts", "0")))
                .hasMessage("11 pod deletes and connection cuts are more than 1 builds can take with 10 retries"
                        + " each");
        assertThatThrownBy(() -> ChaosOptions.parse(List.of("--chaos")))
                .hasMessageStartingWith("unknown option '--chaos'");
    }
}
