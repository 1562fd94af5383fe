package dev.nixpool.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;

import dev.nixpool.api.v1alpha1.BuildMachineStatus;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

/** Every family of status strings stays within its bound, keeps its head and says that it was cut. */
class StatusTextTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final String FOUR_MIB = "error: " + "x".repeat(4 * 1024 * 1024);

    @Test
    void aShortTextIsItself() {
        assertThat(StatusText.bounded("fine", 10)).isEqualTo("fine");
        assertThat(StatusText.bounded(null, 10)).isNull();
        assertThat(StatusText.bounded("x".repeat(100), 100)).hasSize(100).doesNotContain("cut");
    }

    @Test
    void aLongTextKeepsItsHeadAndCountsWhatWasCut() {
        String bounded = StatusText.bounded("head " + "y".repeat(10_000), 200);
        assertThat(bounded).hasSizeLessThanOrEqualTo(200).startsWith("head yyy")
                .contains("more characters cut; the build log has them all]");
        int kept = bounded.indexOf(" ... [");
        assertThat(bounded).contains("[" + (10_005 - kept) + " more characters cut");
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        String text = "a".repeat(100) + "\uD83D\uDE00".repeat(1000);
        for (int max = 150; max < 170; max++) {
            String bounded = StatusText.bounded(text, max);
            int cut = bounded.indexOf(" ... [");
            assertThat(Character.isHighSurrogate(bounded.charAt(cut - 1))).as("max " + max).isFalse();
        }
    }

    @Test
    void conditionMessagesAndReasonsAreBounded() {
        List<Condition> conditions = new ArrayList<>();
        Conditions.set(conditions, "Succeeded", false, "R".repeat(5000), FOUR_MIB, 1L, NOW);
        Condition c = conditions.get(0);
        assertThat(c.getMessage()).hasSizeLessThanOrEqualTo(StatusText.CONDITION_MESSAGE).startsWith("error: xxx")
                .contains("more characters cut");
        assertThat(c.getReason()).hasSizeLessThanOrEqualTo(StatusText.CONDITION_REASON);
        assertThat(Conditions.set(conditions, "Succeeded", false, "R".repeat(5000), FOUR_MIB, 1L, NOW))
                .as("the same long message again is no change (no Event, no write)").isFalse();
    }

    @Test
    void nixBuildStatusFieldsAreBounded() {
        NixBuildStatus status = new NixBuildStatus();
        status.setLogTail(FOUR_MIB);
        status.setDerivation(FOUR_MIB);
        status.setBuildStatus(FOUR_MIB);
        status.setMachine(FOUR_MIB);
        status.setBuilder(FOUR_MIB);
        StatusBounds.apply((Object) status);
        assertThat(status.getLogTail()).hasSizeLessThanOrEqualTo(StatusText.LOG_TAIL);
        assertThat(List.of(status.getDerivation(), status.getBuildStatus(), status.getMachine(), status.getBuilder()))
                .allSatisfy(s -> assertThat(s).hasSizeLessThanOrEqualTo(StatusText.SHORT).startsWith("error: "));
    }

    @Test
    void buildMachineStatusFieldsAreBounded() {
        BuildMachineStatus status = new BuildMachineStatus();
        status.setSystemsSummary(FOUR_MIB);
        status.setFeaturesSummary(FOUR_MIB);
        status.setSelector(FOUR_MIB);
        StatusBounds.apply((Object) status);
        assertThat(List.of(status.getSystemsSummary(), status.getFeaturesSummary(), status.getSelector()))
                .allSatisfy(s -> assertThat(s).hasSizeLessThanOrEqualTo(StatusText.SHORT));
    }

    @Test
    void otherObjectsAreLeftAlone() {
        StringBuilder other = new StringBuilder(FOUR_MIB);
        StatusBounds.apply(other);
        assertThat(other).hasSize(FOUR_MIB.length());
    }
}
