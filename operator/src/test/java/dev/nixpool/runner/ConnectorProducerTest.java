package dev.nixpool.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.nixpool.TestConfig;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.ssh.BuilderLimits;
import dev.nixpool.status.Reason;

/** The configured totals reach the builder connector; going over them is a build failure of its own. */
class ConnectorProducerTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        NixpoolConfig config = TestConfig.nixpool(Map.of());
        assertThat(ConnectorProducer.limits(config.builderLimits()))
                .isEqualTo(new BuilderLimits(new ReplyLimits(64L << 20, 100_000), 64L << 20));
    }

    @Test
    void configuredLimitsReachTheConnector() {
        NixpoolConfig config = TestConfig.nixpool(Map.of("nixpool.builder-limits.max-reply-bytes", "1048576",
                "nixpool.builder-limits.max-paths-per-reply", "500", "nixpool.builder-limits.max-log-bytes-per-build",
                "4096"));
        assertThat(ConnectorProducer.limits(config.builderLimits()))
                .isEqualTo(new BuilderLimits(new ReplyLimits(1 << 20, 500), 4096));
    }

    @Test
    void goingOverALimitEndsTheBuildWithoutARetry() {
        assertThat(Reason.fromBuilderFailure(BuilderFailure.LIMIT_EXCEEDED)).isEqualTo(Reason.LIMIT_EXCEEDED);
        assertThat(Reason.LIMIT_EXCEEDED.toString()).isEqualTo("LimitExceeded");
        assertThat(BuilderFailure.LIMIT_EXCEEDED.retryable()).isFalse();
    }
}
