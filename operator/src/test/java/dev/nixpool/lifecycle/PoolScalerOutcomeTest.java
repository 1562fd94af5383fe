package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

import dev.nixpool.capacity.BuilderCounts;

/**
 * The pool's counts after its reconcile named its Ready builders for kept connections: an idle one whose warming just
 * began is starting, not idle (the ledger counted it before the naming).
 */
class PoolScalerOutcomeTest {

    private static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    @Test
    void idleBuildersStillWarmingAreCountedAsStarting() {
        Pod warming = pod("warming");
        Pod warm = pod("warm");
        PoolScaler.Outcome outcome = new PoolScaler.Outcome(new BuilderCounts(3, 0, 2, 1), List.of(),
                Optional.empty(), List.of(warming, warm, pod("busy")), List.of(warming, warm));
        assertThat(outcome.recounted(p -> p == warming).counts()).isEqualTo(new BuilderCounts(3, 1, 1, 1));
        assertThat(outcome.recounted(p -> false)).isSameAs(outcome);
    }
}
