package dev.nixpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.nixpool.api.v1alpha1.ApiPatterns;

class NamesTest {

    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

    @Test
    void shortNamesAreKeptReadable() {
        assertThat(Names.poolBuilderName("default", 0, "x7k2q")).isEqualTo("default-0-x7k2q");
        assertThat(Names.keySecretName("default-0-x7k2q")).isEqualTo("default-0-x7k2q-ssh");
        assertThat(Names.storeClaimName("default", 3)).isEqualTo("default-store-3");
        assertThat(Names.labelValue("hello")).isEqualTo("hello");
    }

    @Test
    void longNamesAreBoundedDistinctAndStillValid() {
        String base = "a".repeat(70);
        String one = Names.poolBuilderName(base + "-x", 1, "abcde");
        String two = Names.poolBuilderName(base + "-y", 1, "abcde");
        assertThat(one).hasSizeLessThanOrEqualTo(Names.MAX_POD_NAME).matches(DNS_LABEL).isNotEqualTo(two);
        assertThat(Names.keySecretName(one)).hasSizeLessThanOrEqualTo(63).matches(DNS_LABEL);
        assertThat(Names.poolBuilderName(base + "-x", 1, "abcde")).as("deterministic").isEqualTo(one);
        assertThat(Names.poolBuilderName(base + "-x", 1, "fghjk")).as("suffixes differ").isNotEqualTo(one);
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
        assertThat(Names.builderLabels("kvm-pool", 2))
                .containsEntry("app.kubernetes.io/managed-by", "nixpool")
                .containsEntry("app.kubernetes.io/component", "builder")
                .containsEntry("nixpool.dev/machine", "kvm-pool")
                .containsEntry("nixpool.dev/slot", "2")
                .hasSize(4);
        assertThat(Names.claimLabels("hello", 2)).containsEntry("nixpool.dev/build", "hello")
                .containsEntry("nixpool.dev/attempt", "2").hasSize(2);
        assertThat(Names.poolSelector("kvm-pool")).isEqualTo("app.kubernetes.io/managed-by=nixpool,"
                + "app.kubernetes.io/component=builder,nixpool.dev/machine=kvm-pool");
    }
}
