package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class RetryBackoffTest {

    @Test
    void doublesPerLostAttemptUpToTheCap() {
        RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(10));
        assertThat(backoff.delayAfter(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delayAfter(2)).isEqualTo(Duration.ofSeconds(4));
        assertThat(backoff.delayAfter(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(backoff.delayAfter(4)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.delayAfter(1000)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aHeldBuildWaitsForWhatIsLeftOfItsPause() {
        RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60));
        Instant lost = Instant.parse("2026-11-24T10:00:00Z");
        assertThat(backoff.hold("ns/b", 2, lost)).isEqualTo(Duration.ofSeconds(4));
        assertThat(backoff.remaining("ns/b", lost.plusSeconds(1))).isEqualTo(Duration.ofSeconds(3));
        assertThat(backoff.remaining("ns/other", lost)).isZero();
        assertThat(backoff.remaining("ns/b", lost.plusSeconds(4))).isZero();
        backoff.hold("ns/b", 1, lost);
        backoff.clear("ns/b");
        assertThat(backoff.remaining("ns/b", lost)).isZero();
    }

    @Test
    void aCapBelowTheInitialPauseIsRefused() {
        assertThatThrownBy(() -> new RetryBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .hasMessageContaining("nixpool.retry.initial-backoff <= nixpool.retry.max-backoff");
    }
}
