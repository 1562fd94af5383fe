package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BuildDurationTest {

    @ParameterizedTest
    @CsvSource({"850, 850ms", "0, 0ms", "-5, 0ms", "42000, 42s", "187000, 3m7s", "180000, 3m", "7500000, 2h5m",
            "7200000, 2h"})
    void printsLikeKubectlAges(long millis, String expected) {
        assertThat(BuildDuration.format(Duration.ofMillis(millis))).isEqualTo(expected);
    }
}
