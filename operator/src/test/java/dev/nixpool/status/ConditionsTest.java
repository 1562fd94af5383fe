package dev.nixpool.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;

class ConditionsTest {

    private static final Instant T1 = Instant.parse("2026-01-01T10:00:00.700Z");
    private static final Instant T2 = Instant.parse("2026-01-01T11:00:00Z");
    private static final Instant T3 = Instant.parse("2026-01-01T12:00:00Z");

    @Test
    void newConditionIsAChangeWithAllFields() {
        List<Condition> conditions = new ArrayList<>();
        assertThat(Conditions.set(conditions, "Scheduled", false, "WaitingForCapacity", "position 2", 3L, T1)).isTrue();
        assertThat(conditions).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Scheduled");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("WaitingForCapacity");
            assertThat(c.getMessage()).isEqualTo("position 2");
            assertThat(c.getObservedGeneration()).isEqualTo(3L);
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
        });
    }

    @Test
    void transitionTimeMovesOnlyWhenTheStatusFlips() {
        List<Condition> conditions = new ArrayList<>();
        Conditions.set(conditions, "Scheduled", false, "WaitingForCapacity", "position 2", 1L, T1);

        assertThat(Conditions.set(conditions, "Scheduled", false, "WaitingForCapacity", "position 1", 2L, T2))
                .as("a new message is a change").isTrue();
        assertThat(conditions.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(conditions.get(0).getObservedGeneration()).isEqualTo(2L);

        assertThat(Conditions.set(conditions, "Scheduled", false, "WaitingForCapacity", "position 1", 2L, T2))
                .as("the same again is no change").isFalse();

        assertThat(Conditions.set(conditions, "Scheduled", true, "Scheduled", "assigned", 2L, T3)).isTrue();
        assertThat(conditions).singleElement().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T12:00:00Z");
        });
        assertThat(Conditions.isTrue(conditions, "Scheduled")).isTrue();
        assertThat(Conditions.isTrue(conditions, "BuilderReady")).isFalse();
    }
}
