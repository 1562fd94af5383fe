package dev.nixpool.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.nixpool.api.v1alpha1.NixBuildPhase;

class PhaseMarksTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void aMarkAnswersForThePhaseItWasSetForOnly() {
        PhaseMarks marks = new PhaseMarks(10);
        marks.moved("a", NixBuildPhase.Scheduled, T0);

        assertThat(marks.entered("a", NixBuildPhase.Scheduled)).contains(T0);
        assertThat(marks.entered("a", NixBuildPhase.Building)).isEmpty();
        assertThat(marks.entered("b", NixBuildPhase.Scheduled)).isEmpty();
    }

    @Test
    void aFinalPhaseForgetsTheBuild() {
        PhaseMarks marks = new PhaseMarks(10);
        marks.moved("a", NixBuildPhase.Building, T0);
        marks.moved("a", NixBuildPhase.Succeeded, T0.plusSeconds(1));

        assertThat(marks.size()).isZero();
    }

    @Test
    void theLeastRecentlyUsedGoBeyondCapacity() {
        PhaseMarks marks = new PhaseMarks(2);
        marks.moved("a", NixBuildPhase.Scheduled, T0);
        marks.moved("b", NixBuildPhase.Scheduled, T0);
        marks.entered("a", NixBuildPhase.Scheduled);
        marks.moved("c", NixBuildPhase.Scheduled, T0);

        assertThat(marks.size()).isEqualTo(2);
        assertThat(marks.entered("a", NixBuildPhase.Scheduled)).contains(T0);
        assertThat(marks.entered("b", NixBuildPhase.Scheduled)).as("the least recently used").isEmpty();
        assertThat(marks.entered("c", NixBuildPhase.Scheduled)).contains(T0);
    }
}
