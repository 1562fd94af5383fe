package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The kubelet's restart backoff, as local mode applies it to an operator process that exits. */
class RestartBackoffTest {

    private final RestartBackoff backoff = RestartBackoff.KUBELET;

    @Test
    void theFirstRestartIsAtOnceThenTenSecondsDoublingUpToFiveMinutes() {
        assertThat(backoff.delay(1)).isZero();
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.delay(3)).isEqualTo(Duration.ofSeconds(20));
        assertThat(backoff.delay(4)).isEqualTo(Duration.ofSeconds(40));
        assertThat(backoff.delay(7)).isEqualTo(Duration.ofSeconds(300));
        assertThat(backoff.delay(50)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void tenMinutesOfRunningCountAsHealthy() {
        assertThat(backoff.healthyRun(Duration.ofMinutes(10))).isTrue();
        assertThat(backoff.healthyRun(Duration.ofMinutes(9))).isFalse();
    }
}
