package dev.nixpool.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WaitRequeueTest {

    private static final Duration PERIOD = Duration.ofSeconds(30);

    /** rule, position, capacity, expected periods. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("the head looks every period", 1, 4, 1),
                Arguments.of("the first round of slots behind it: one period", 8, 4, 1),
                Arguments.of("two turnovers ahead: two periods", 9, 4, 2),
                Arguments.of("grows with the distance", 21, 4, 5),
                Arguments.of("never more than the cap", 10_000, 4, WaitRequeue.MAX_PERIODS),
                Arguments.of("a pool without slots counts as one", 3, 0, 2),
                Arguments.of("a position not shown yet counts as the head", 0, 4, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneLookPerTurnoverOfTheSlotsAhead(String rule, int position, long capacity, int periods) {
        assertThat(WaitRequeue.after(PERIOD, position, capacity)).as(rule).isEqualTo(PERIOD.multipliedBy(periods));
    }
}
