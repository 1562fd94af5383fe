package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import dev.nixpool.api.v1alpha1.BuildMachineStatus;

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

    /**
     * The decision asks once whether the status changes (a serialization of the status and of the pool's): the
     * figure held, held with another change, and not held.
     */
    @Test
    void aWriteIsDecidedWithOneLookAtWhetherTheStatusChanges() {
        pacing.wrote("ns/pool", T0);
        Instant soon = T0.plusMillis(100);
        AtomicInteger looks = new AtomicInteger();

        BuildMachineStatus onlyTheFigure = status(7, 2);
        QueuedFigurePacing.Decision held = pacing.decide("ns/pool", soon, onlyTheFigure, 5,
                counting(looks, s -> s.getQueued() != 5));
        assertThat(held).isEqualTo(new QueuedFigurePacing.Decision(false, Optional.of(T0.plusSeconds(1))));
        assertThat(onlyTheFigure.getQueued()).as("the figure shown is kept").isEqualTo(5);
        assertThat(looks).hasValue(1);

        BuildMachineStatus moreBuilders = status(7, 3);
        QueuedFigurePacing.Decision withIt = pacing.decide("ns/pool", soon, moreBuilders, 5,
                counting(looks, s -> s.getBuilders() != 2 || s.getQueued() != 5));
        assertThat(withIt).isEqualTo(new QueuedFigurePacing.Decision(true, Optional.empty()));
        assertThat(moreBuilders.getQueued()).as("written with the fresh figure").isEqualTo(7);
        assertThat(looks).hasValue(2);

        BuildMachineStatus later = status(7, 2);
        QueuedFigurePacing.Decision due = pacing.decide("ns/pool", T0.plusSeconds(1), later, 5,
                counting(looks, s -> s.getQueued() != 5));
        assertThat(due).isEqualTo(new QueuedFigurePacing.Decision(true, Optional.empty()));
        assertThat(later.getQueued()).isEqualTo(7);
        assertThat(looks).hasValue(3);

        QueuedFigurePacing.Decision same = pacing.decide("ns/pool", soon, status(5, 2), 5,
                counting(looks, s -> false));
        assertThat(same).isEqualTo(new QueuedFigurePacing.Decision(false, Optional.empty()));
        assertThat(looks).hasValue(4);
    }

    private static BuildMachineStatus status(int queued, int builders) {
        BuildMachineStatus status = new BuildMachineStatus();
        status.setQueued(queued);
        status.setBuilders(builders);
        return status;
    }

    private static Predicate<BuildMachineStatus> counting(AtomicInteger looks, Predicate<BuildMachineStatus> changes) {
        return status -> {
            looks.incrementAndGet();
            return changes.test(status);
        };
    }
}
