package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class NicenessTest {

    @Test
    void normalPriorityRunsTheCommandAsItIs() {
        assertThat(Niceness.prefix(0)).isEmpty();
        assertThat(Niceness.describe(0)).isEqualTo("normal priority (nice 0)");
    }

    @Test
    void aLowerPriorityPutsNiceBeforeTheCommand() {
        assertThat(Niceness.prefix(10)).isEqualTo(List.of("nice", "-n", "10"));
        assertThat(Niceness.describe(19)).isEqualTo("nice 19");
    }

    @Test
    void onlyLoweringIsAllowed() {
        assertThatThrownBy(() -> Niceness.prefix(-5))
                .hasMessage("niceness must be 0 (normal priority) to 19 (lowest), got -5");
        assertThatThrownBy(() -> Niceness.require(20, "--operator-nice"))
                .hasMessage("--operator-nice must be 0 (normal priority) to 19 (lowest), got 20");
    }
}
