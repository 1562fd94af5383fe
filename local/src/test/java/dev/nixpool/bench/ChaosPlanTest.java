package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class ChaosPlanTest {

    @Test
    void holdsEveryStepOnceAndEndsWithARelease() {
        ChaosPlan plan = ChaosPlan.draw(ChaosOptions.parse(List.of()));
        assertThat(plan.steps()).hasSize(50 + 5 + 5 + 5);
        assertThat(plan.count(ChaosPlan.Action.RELEASE)).isEqualTo(50);
        assertThat(plan.count(ChaosPlan.Action.OPERATOR_KILL)).isEqualTo(5);
        assertThat(plan.count(ChaosPlan.Action.POD_DELETE)).isEqualTo(5);
        assertThat(plan.count(ChaosPlan.Action.CONNECTION_CUT)).isEqualTo(5);
        // a chaos step always finds a held build: the last build is released last
        assertThat(plan.steps().get(plan.steps().size() - 1).action()).isEqualTo(ChaosPlan.Action.RELEASE);
        assertThat(plan.steps()).allSatisfy(step -> assertThat(step.pause()).isBetween(java.time.Duration.ZERO,
                ChaosPlan.MAX_PAUSE));
    }

    @Test
    void theSeedDecidesThePlan() {
        ChaosPlan one = ChaosPlan.draw(ChaosOptions.of(20, 2, 3, 4, 7));
        assertThat(ChaosPlan.draw(ChaosOptions.of(20, 2, 3, 4, 7))).isEqualTo(one);
        assertThat(ChaosPlan.draw(ChaosOptions.of(20, 2, 3, 4, 8))).isNotEqualTo(one);
    }

    @Test
    void chaosIsSpreadBetweenReleasesNotBunchedAtTheStart() {
        List<ChaosPlan.Step> steps = ChaosPlan.draw(ChaosOptions.of(50, 5, 5, 5, 13)).steps();
        List<Integer> chaos = java.util.stream.IntStream.range(0, steps.size())
                .filter(i -> steps.get(i).action() != ChaosPlan.Action.RELEASE).boxed().toList();
        assertThat(chaos).hasSize(15);
        assertThat(chaos.get(chaos.size() - 1) - chaos.get(0)).isGreaterThan(steps.size() / 2);
    }
}
