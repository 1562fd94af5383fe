package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A build's log is counted in UTF-8 bytes with newlines; past the limit lines are dropped and the build stopped once. */
class LogBudgetTest {

    @Test
    void linesWithinTheLimitPassAndTheFirstOverItStopsTheBuildOnce() {
        List<String> seen = new ArrayList<>();
        AtomicInteger stops = new AtomicInteger();
        LogBudget budget = new LogBudget(seen::add, 10, stops::incrementAndGet);
        budget.line("1234");
        budget.line("5678");
        assertThat(budget.exceeded()).isFalse();
        budget.line("x");
        budget.line("more");
        budget.line("");
        assertThat(seen).containsExactly("1234", "5678");
        assertThat(budget.exceeded()).isTrue();
        assertThat(stops).hasValue(1);
    }

    @Test
    void utf8LengthIsTheEncodedLength() {
        for (String s : List.of("", "plain", "caf\u00e9", "\u5927\u767d\u5154", "\ud83d\ude00 emoji", "\u0000")) {
            assertThat(LogBudget.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void aFailingSinkDoesNotStopCounting() {
        LogBudget budget = new LogBudget(line -> {
            throw new IllegalStateException("sink is full");
        }, 8, () -> {
        });
        budget.line("1234");
        budget.line("5678");
        assertThat(budget.exceeded()).isTrue();
    }
}
