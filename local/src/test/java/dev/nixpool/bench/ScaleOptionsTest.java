package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class ScaleOptionsTest {

    @Test
    void defaultsAreIssue13sRun() {
        ScaleOptions options = ScaleOptions.parse(List.of());
        assertThat(options.builds()).isEqualTo(1000);
        assertThat(options.maxBuilders()).isEqualTo(4);
        assertThat(options.runSeconds()).isEqualTo(60);
        assertThat(options.operatorProperties()).isEmpty();
        assertThat(options.operatorLog()).isNull();
        assertThat(options.warmUp()).isEqualTo(ScaleOptions.DEFAULT_WARM_UP);
        assertThat(options.builderNice()).as("builder pods stand on other nodes").isEqualTo(10);
        assertThat(options.operatorNice()).as("the operator stands on a node of its own").isEqualTo(19);
    }

    @Test
    void readsEveryOption() {
        ScaleOptions options = ScaleOptions.parse(List.of("--builds", "10000", "--max-builders", "8", "--run-seconds",
                "30", "--set", "nixpool.scheduling.queue-refresh=1s", "--operator-log", "op.log", "--warm-up", "0",
                "--builder-nice", "0", "--operator-nice", "5"));
        assertThat(options.builderNice()).isZero();
        assertThat(options.operatorNice()).isEqualTo(5);
        assertThat(options.warmUp()).isZero();
        assertThat(options.builds()).isEqualTo(10000);
        assertThat(options.maxBuilders()).isEqualTo(8);
        assertThat(options.runSeconds()).isEqualTo(30);
        assertThat(options.operatorProperties()).isEqualTo(Map.of("nixpool.scheduling.queue-refresh", "1s"));
        assertThat(options.operatorLog().isAbsolute()).isTrue();
        assertThat(options.operatorLog().getFileName().toString()).isEqualTo("op.log");
    }

    @Test
    void saysWhatIsWrong() {
        assertThatThrownBy(() -> ScaleOptions.parse(List.of("--builds", "0")))
                .hasMessage("--builds needs a number of at least 1, got '0'");
        assertThatThrownBy(() -> ScaleOptions.parse(List.of("--max-builders")))
                .hasMessage("--max-builders needs a number after it, got nothing");
        assertThatThrownBy(() -> ScaleOptions.parse(List.of("--set", "novalue")))
                .hasMessage("--set needs an operator setting KEY=VALUE, got 'novalue'");
        assertThatThrownBy(() -> ScaleOptions.parse(List.of("--builder-nice", "20")))
                .hasMessage("--builder-nice must be 0 (normal priority) to 19 (lowest), got 20");
        assertThatThrownBy(() -> ScaleOptions.parse(List.of("--fast")))
                .hasMessageStartingWith("unknown option '--fast'");
    }

    /** The operator's heap in use is the sum of its heap pools in the Prometheus text. */
    @Test
    void heapIsSummedOverHeapPools() {
        String metrics = """
                # TYPE jvm_memory_used_bytes gauge
                jvm_memory_used_bytes{area="heap",id="Tenured Gen"} 1.048576E8
                jvm_memory_used_bytes{area="heap",id="Eden Space"} 2.097152E7
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 6.0E7
                """;
        assertThat(OperatorMemory.heapFrom(metrics)).isEqualTo(OptionalLong.of(104857600L + 20971520L));
        assertThat(OperatorMemory.heapFrom("up 1\n")).isEmpty();
    }
}
