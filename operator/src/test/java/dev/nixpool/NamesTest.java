package dev.nixpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.nixpool.api.v1alpha1.ApiPatterns;

class NamesTest {

    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

    @Test
    void shortNamesAreKeptReadable() {
        assertThat(Names.builderPodName("hello", 1)).isEqualTo("hello-builder-1");
        assertThat(Names.keySecretName("hello-builder-1")).isEqualTo("hello-builder-1-ssh");
        assertThat(Names.labelValue("hello")).isEqualTo("hello");
    }

    @Test
    void longNamesAreBoundedDistinctAndStillValid() {
        String base = "a".repeat(70);
        String one = Names.builderPodName(base + "-x", 1);
        String two = Names.builderPodName(base + "-y", 1);
        assertThat(one).hasSizeLessThanOrEqualTo(Names.MAX_POD_NAME).matches(DNS_LABEL).isNotEqualTo(two);
        assertThat(Names.keySecretName(one)).hasSizeLessThanOrEqualTo(63).matches(DNS_LABEL);
        assertThat(Names.builderPodName(base + "-x", 1)).as("deterministic").isEqualTo(one);
        assertThat(Names.builderPodName(base + "-x", 2)).as("attempts differ").isNotEqualTo(one);
    }

    @Test
    void truncationNeverLeavesADashOrDotBeforeTheHash() {
        String name = "b".repeat(45) + "-----....." + "c".repeat(30);
        assertThat(name).matches(ApiPatterns.OBJECT_NAME);
        String value = Names.labelValue(name);
        assertThat(value).hasSizeLessThanOrEqualTo(63).doesNotContain("--").matches("^[a-z0-9].*[a-z0-9]$");
        assertThat(value).matches("^b+-[0-9a-f]{8}$");
    }

    @Test
    void eventNamesStayWithinTheObjectNameLimit() {
        assertThat(Names.eventName("hello", "17f3a")).isEqualTo("hello.17f3a");
        String longName = Names.eventName("d".repeat(253), "0123456789abcdef01");
        assertThat(longName).hasSizeLessThanOrEqualTo(253).matches(ApiPatterns.OBJECT_NAME)
                .endsWith(".0123456789abcdef01");
    }

    @Test
    void builderLabelsFollowTheContract() {
        assertThat(Names.builderLabels("hello", "kvm-pool", 2))
                .containsEntry("app.kubernetes.io/managed-by", "nixpool")
                .containsEntry("app.kubernetes.io/component", "builder")
                .containsEntry("nixpool.dev/build", "hello")
                .containsEntry("nixpool.dev/machine", "kvm-pool")
                .containsEntry("nixpool.dev/attempt", "2")
                .hasSize(5);
    }
}
