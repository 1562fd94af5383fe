package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BenchArgsTest {

    @Test
    void readsOptionsAndTheirValuesInOrder() {
        BenchArgs read = new BenchArgs(List.of("--n", "3", "--seed", "-7", "--log", "op.log", "--set", "a.b=c=d",
                "--c", "none", "--flag"));
        Map<String, String> settings = new LinkedHashMap<>();
        assertThat(read.option()).isEqualTo("--n");
        assertThat(read.number("--n", 0)).isEqualTo(3);
        assertThat(read.option()).isEqualTo("--seed");
        assertThat(read.whole("--seed")).isEqualTo(-7L);
        assertThat(read.option()).isEqualTo("--log");
        assertThat(read.file("--log")).isEqualTo(Path.of("op.log").toAbsolutePath());
        assertThat(read.option()).isEqualTo("--set");
        read.setting("--set", settings);
        assertThat(settings).containsExactly(Map.entry("a.b", "c=d"));
        assertThat(read.option()).isEqualTo("--c");
        assertThat(read.choice("--c", List.of("xz", "none"))).isEqualTo("none");
        assertThat(read.hasNext()).isTrue();
        assertThat(read.option()).isEqualTo("--flag");
        assertThat(read.hasNext()).isFalse();
    }

    @Test
    void saysWhatIsWrongWithAValue() {
        assertThatThrownBy(() -> at("--n", "x").number("--n", 1))
                .hasMessage("--n needs a number of at least 1, got 'x'");
        assertThatThrownBy(() -> at("--n", "-1").number("--n", 0))
                .hasMessage("--n needs a number of at least 0, got '-1'");
        assertThatThrownBy(() -> at("--n").number("--n", 1)).hasMessage("--n needs a number after it, got nothing");
        assertThatThrownBy(() -> at("--seed", "1.5").whole("--seed"))
                .hasMessage("--seed needs a whole number, got '1.5'");
        assertThatThrownBy(() -> at("--log", " ").file("--log")).hasMessage("--log needs a file name after it");
        assertThatThrownBy(() -> at("--log").file("--log")).hasMessage("--log needs a file name after it, got nothing");
        assertThatThrownBy(() -> at("--c", "gz").choice("--c", List.of("xz", "none")))
                .hasMessage("--c needs one of xz, none, got 'gz'");
        assertThatThrownBy(() -> at("--c").choice("--c", List.of("xz", "none")))
                .hasMessage("--c needs one of xz, none after it, got nothing");
        assertThatThrownBy(() -> at("--set", "=v").setting("--set", new LinkedHashMap<>()))
                .hasMessage("--set needs an operator setting KEY=VALUE, got '=v'");
        assertThatThrownBy(() -> at("--set").setting("--set", new LinkedHashMap<>()))
                .hasMessage("--set needs an operator setting KEY=VALUE, got ''");
    }

    /** A reader whose option has been read: the next word is the option's value. */
    private static BenchArgs at(String... words) {
        BenchArgs read = new BenchArgs(List.of(words));
        read.option();
        return read;
    }
}
