package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class QueuedFigurePacingTest {

    private static final Instant T0 = Instant.parse("2026-12-02T05:00:00Z");

    private final QueuedFigurePacing pacing = new QueuedFigurePacing(Duration.ofSeconds(1));

    @Test
    void aPoolNeverWrittenByThisOperatorMayBeWrittenAtOnce() {
        assertThat(pacing.heldUntil("ns/pool", T0)).isEmpty();
    }

    @Test
    void afterAWriteTheFigureAloneWaitsOneIntervalThenMayBeWritten() {
        pacing.wrote("ns/pool", T0);

        assertThat(pacing.heldUntil("ns/pool", T0.plusMillis(10))).contains(T0.plusSeconds(1));
        assertThat(pacing.heldUntil("ns/pool", T0.plusMillis(999))).contains(T0.plusSeconds(1));
        assertThat(pacing.heldUntil("ns/pool", T0.plusSeconds(1))).isEmpty();
    }

    @Test
    void aBurstOfArrivalsCostsOneWritePerIntervalNotOnePerArrival() {
        int writes = 0;
        // 1,000 arrivals in 10 s, each a reconcile that would move the figure
        for (int arrival = 0; arrival < 1000; arrival++) {
            Instant now = T0.plusMillis(arrival * 10L);
            Optional<Instant> held = pacing.heldUntil("ns/pool", now);
            if (held.isEmpty()) {
                pacing.wrote("ns/pool", now);
                writes++;
            }
        }
        assertThat(writes).isBetween(10, 11);
    }

    @Test
    void poolsArePacedApartAndAForgottenPoolStartsAfresh() {
        pacing.wrote("ns/a", T0);

        assertThat(pacing.heldUntil("ns/b", T0)).isEmpty();
        assertThat(pacing.heldUntil("other/a", T0)).isEmpty();
        pacing.forget("ns/a");
        assertThat(pacing.heldUntil("ns/a", T0)).isEmpty();
    }

    @Test
    void aZeroIntervalNeverHoldsANegativeOneIsRefused() {
        QueuedFigurePacing unpaced = new QueuedFigurePacing(Duration.ZERO);
        unpaced.wrote("ns/pool", T0);
        assertThat(unpaced.heldUntil("ns/pool", T0)).isEmpty();
        assertThatThrownBy(() -> new QueuedFigurePacing(Duration.ofSeconds(-1)))
                .hasMessageContaining("must not be negative");
    }
}
