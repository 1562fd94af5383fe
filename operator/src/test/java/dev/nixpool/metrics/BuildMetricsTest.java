package dev.nixpool.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;

/**
 * One build's written statuses, in order, against a real Micrometer registry: the phase entries this process saw time
 * the builder start and the build to the millisecond, where the status alone has whole seconds.
 */
class BuildMetricsTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    BuildMetrics metrics = new BuildMetrics(registry);

    @Test
    void aBuildsWrittenStatusesBecomeCountsAndMillisecondTimings() {
        NixBuild build = build();
        write(build, status(NixBuildPhase.Pending, null, null), T0.plusMillis(100));
        write(build, scheduled(), T0.plusMillis(1_300));
        write(build, scheduled(), T0.plusMillis(1_400));
        write(build, building(), T0.plusMillis(1_750));
        write(build, succeeded(), T0.plusMillis(4_000));

        assertThat(registry.get(MeterNames.STATUS_WRITES).tag("kind", "NixBuild").counter().count()).isEqualTo(5);
        assertThat(seconds(timer(MeterNames.QUEUE_WAIT))).isEqualTo(1.3);
        assertThat(seconds(timer(MeterNames.BUILDER_START))).as("marked at 1.3 s, not the condition's 1 s")
                .isEqualTo(0.45);
        assertThat(seconds(timer(MeterNames.DISPATCH_LATENCY))).isEqualTo(1.75);
        assertThat(seconds(registry.get(MeterNames.BUILD_DURATION).tags("pool", "x86", "result", "Succeeded")
                .timer())).isEqualTo(2.25);
        assertThat(registry.get(MeterNames.BUILDS_FINISHED)
                .tags("namespace", "ci", "pool", "x86", "result", "Succeeded", "reason", "Built").counter().count())
                .isEqualTo(1);
        assertThat(registry.find(MeterNames.BUILDS_RETRIED).counters()).isEmpty();
    }

    @Test
    void prometheusGetsEachTimerAsAHistogramOverItsRange() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        NixBuild build = build();
        metrics = new BuildMetrics(prometheus);
        write(build, scheduled(), T0.plusSeconds(2));

        List<String> buckets = prometheus.scrape().lines()
                .filter(line -> line.startsWith("nixpool_build_queue_wait_seconds_bucket{")).toList();
        assertThat(buckets).as("percentile histogram buckets").hasSizeGreaterThan(10)
                .allSatisfy(line -> assertThat(line).contains("namespace=\"ci\"", "pool=\"x86\""));
        assertThat(le(buckets.get(0))).as("first bucket").isBetween(0.01, 0.02);
        assertThat(le(buckets.get(buckets.size() - 2))).as("last finite bucket").isGreaterThanOrEqualTo(6 * 3600);
        assertThat(buckets.get(buckets.size() - 1)).contains("le=\"+Inf\"").endsWith(" 1.0");
        assertThat(prometheus.scrape()).contains(
                "nixpool_build_queue_wait_seconds_count{namespace=\"ci\",pool=\"x86\",} 1.0",
                "nixpool_status_writes_total{kind=\"NixBuild\",} 1.0");
    }

    private static double le(String bucket) {
        Matcher le = Pattern.compile("le=\"([^\"]+)\"").matcher(bucket);
        assertThat(le.find()).as(bucket).isTrue();
        return Double.parseDouble(le.group(1));
    }

    private void write(NixBuild build, NixBuildStatus after, Instant now) {
        metrics.statusWritten(build, after, now);
        build.setStatus(after);
    }

    private Timer timer(String name) {
        return registry.get(name).tags("namespace", "ci", "pool", "x86").timer();
    }

    private static double seconds(Timer timer) {
        assertThat(timer.count()).isEqualTo(1);
        return timer.totalTime(TimeUnit.MILLISECONDS) / 1000.0;
    }

    private static NixBuild build() {
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace("ci").withName("hello").withUid("uid-1")
                .withCreationTimestamp(Conditions.timestamp(T0)).build());
        return build;
    }

    private static NixBuildStatus scheduled() {
        NixBuildStatus status = status(NixBuildPhase.Scheduled, "x86", 1);
        Conditions.set(status.getConditions(), Names.CONDITION_SCHEDULED, true, Reason.SCHEDULED, "", 1L,
                T0.plusMillis(1_300));
        return status;
    }

    private static NixBuildStatus building() {
        NixBuildStatus status = scheduled();
        status.setPhase(NixBuildPhase.Building);
        Conditions.set(status.getConditions(), Names.CONDITION_BUILDER_READY, true, Reason.CONNECTED, "", 1L,
                T0.plusMillis(1_750));
        return status;
    }

    private static NixBuildStatus succeeded() {
        NixBuildStatus status = building();
        status.setPhase(NixBuildPhase.Succeeded);
        Conditions.set(status.getConditions(), Names.CONDITION_SUCCEEDED, true, Reason.BUILT, "", 1L,
                T0.plusSeconds(4));
        return status;
    }

    private static NixBuildStatus status(NixBuildPhase phase, String machine, Integer attempts) {
        NixBuildStatus status = new NixBuildStatus();
        status.setPhase(phase);
        status.setMachine(machine);
        status.setAttempts(attempts);
        status.setConditions(new ArrayList<>());
        return status;
    }
}
