package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** One budget for every rewrite of a waiting build's queue position in a namespace. */
class PositionBudgetTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long T0 = 1_000 * SECOND;

    @Test
    void theSourcesWritesAreGrantedAndPaidForBeforeAnyOther() {
        PositionBudget budget = new PositionBudget(10);
        budget.spend("ns", Set.of("ns/a", "ns/b", "ns/c", "ns/d", "ns/e"), T0);

        assertThat(budget.quiet("ns", T0)).isTrue();
        // the woken builds take their grants, once each
        assertThat(budget.take("ns", "ns/a", T0)).isTrue();
        assertThat(budget.take("ns", "ns/e", T0)).isTrue();
        assertThat(budget.take("ns", "ns/a", T0)).as("a grant is used once").isFalse();
        // a safety requeue of another build while the five are paid for (half a second at 10 a second) keeps its
        // position
        assertThat(budget.take("ns", "ns/z", T0 + SECOND / 2 - 1)).isFalse();
        assertThat(budget.quiet("other", T0)).as("namespaces have budgets of their own").isFalse();

        assertThat(budget.take("ns", "ns/z", T0 + SECOND / 2)).isTrue();
        // that one write is paid for next
        assertThat(budget.take("ns", "ns/y", T0 + SECOND / 2)).isFalse();
        assertThat(budget.quiet("ns", T0 + SECOND / 2 + SECOND / 10)).isFalse();
    }

    @Test
    void writesOfReconcilesAddUpToTheRate() {
        PositionBudget budget = new PositionBudget(20);
        int allowed = 0;
        // 1,000 waiting builds' safety requeues within one second
        for (int i = 0; i < 1000; i++) {
            if (budget.take("ns", "ns/b" + i, T0 + i * (SECOND / 1000))) {
                allowed++;
            }
        }
        assertThat(allowed).isBetween(20, 21);
    }

    @Test
    void aBurstOfArrivalsHoldsRewritesBackUntilASecondAfterTheLast() {
        PositionBudget budget = new PositionBudget(20);
        // 1,000 new builds in 10 s, 100 a second: five times the budget's rate
        long last = T0;
        for (int i = 0; i < 1000; i++) {
            last = T0 + i * (SECOND / 100);
            budget.arrived("ns", last);
            assertThat(budget.take("ns", "ns/old", last)).as("rewrite during the burst, arrival %d", i).isFalse();
        }
        // the arrivals' debt reaches one second beyond the last one, not 50 s (1,000 writes at 20 a second)
        assertThat(budget.quiet("ns", last + SECOND - 1)).isTrue();
        assertThat(budget.quiet("ns", last + SECOND)).isFalse();
        assertThat(budget.take("ns", "ns/old", last + SECOND)).isTrue();
        assertThat(budget.quiet("other", last)).isFalse();
    }

    @Test
    void arrivalsSlowerThanTheRateLeaveBudgetForRewrites() {
        PositionBudget budget = new PositionBudget(20);
        int allowed = 0;
        // 10 arrivals a second for a second, a safety requeue after each: the arrivals use half the budget
        for (int i = 0; i < 10; i++) {
            long now = T0 + i * (SECOND / 10);
            budget.arrived("ns", now);
            if (budget.take("ns", "ns/b" + i, now + 1)) {
                allowed++;
            }
            if (budget.take("ns", "ns/c" + i, now + SECOND / 20)) {
                allowed++;
            }
        }
        assertThat(allowed).isBetween(9, 11);
    }

    @Test
    void anArrivalNeverShortensTheDebtOfRewrites() {
        PositionBudget budget = new PositionBudget(10);
        // 50 rewrites: quiet for 5 s
        budget.spend("ns", IntStream.range(0, 50).mapToObj(i -> "ns/b" + i)
                .collect(Collectors.toSet()), T0);
        budget.arrived("ns", T0);
        assertThat(budget.quiet("ns", T0 + 5 * SECOND - 1)).isTrue();
        assertThat(budget.quiet("ns", T0 + 5 * SECOND)).isFalse();
    }

    @Test
    void aGoneBuildsGrantIsDropped() {
        PositionBudget budget = new PositionBudget(1);
        budget.spend("ns", Set.of("ns/gone"), T0);
        budget.forget("ns/gone");
        assertThat(budget.take("ns", "ns/gone", T0)).isFalse();
    }
}
