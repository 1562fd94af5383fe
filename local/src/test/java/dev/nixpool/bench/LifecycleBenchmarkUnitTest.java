package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

/** The lifecycle benchmark's options, milestone reading and statistics, without a cluster. */
class LifecycleBenchmarkUnitTest {

    @Test
    void optionsDefaultToTenBuildsOneAtATime() {
        assertThat(LifecycleBenchmark.Options.parse(List.of()))
                .isEqualTo(new LifecycleBenchmark.Options(10, 1, Map.of()));
        assertThat(LifecycleBenchmark.Options.parse(List.of("--builds", "3", "--concurrency", "2", "--set",
                "nixpool.runner.threads=4")))
                .isEqualTo(new LifecycleBenchmark.Options(3, 2, Map.of("nixpool.runner.threads", "4")));
        assertThat(LifecycleBenchmark.Options.parse(List.of()).pool()).isEqualTo(PoolMode.COLD);
        assertThat(LifecycleBenchmark.Options.parse(List.of("--warm")).pool()).isEqualTo(PoolMode.WARM);
        assertThat(LifecycleBenchmark.Options.parse(List.of("--reusable", "--warm")).pool())
                .isEqualTo(PoolMode.REUSABLE);
        assertThat(LifecycleBenchmark.Options.parse(List.of("--operator-log", "/tmp/op.log")).operatorLog())
                .isEqualTo(Path.of("/tmp/op.log"));
    }

    @Test
    void warmPoolsKeepOneIdleBuilderPerConcurrentBuild() {
        BuildMachineSpec cold = PoolMode.COLD.pool("bench", 2).getSpec();
        assertThat(cold.getMinIdle()).isZero();
        assertThat(cold.getMaxBuilders()).as("the next build need not wait for the last one's pod to go")
                .isEqualTo(4);
        assertThat(cold.getEphemeral()).isTrue();
        BuildMachineSpec warm = PoolMode.WARM.pool("bench", 2).getSpec();
        assertThat(warm.getMinIdle()).isEqualTo(2);
        assertThat(warm.getMaxBuilders()).isEqualTo(4);
        assertThat(warm.getEphemeral()).isTrue();
        BuildMachineSpec reusable = PoolMode.REUSABLE.pool("bench", 2).getSpec();
        assertThat(reusable.getMinIdle()).isEqualTo(2);
        assertThat(reusable.getMaxBuilders()).isEqualTo(2);
        assertThat(reusable.getEphemeral()).isFalse();
    }

    @Test
    void theBuilderStampIsReadFromTheLogOnTheBenchmarksClock() {
        assertThat(BuilderStamp.script(7)).isEqualTo(
                "echo nixpool-bench-start $(/bin/date +%s%N) >&2; echo 7 > $out");
        assertThat(BuilderStamp.find("[nixpool] building /nix/store/x.drv\nnixpool-bench-start 1764600000123456789\n"
                + "[nixpool] Nix says: Built")).hasValue(1764600000123456789L);
        assertThat(BuilderStamp.find("nixpool-bench-start $(/bin/date)")).isEmpty();
        assertThat(BuilderStamp.find(null)).isEmpty();

        long stamp = BuilderStamp.epochNanos() - 250_000_000L;
        long onNanoTime = BuilderStamp.toNanoTime(stamp);
        assertThat((System.nanoTime() - onNanoTime) / 1e6).isBetween(250.0, 10_000.0);
    }

    @Test
    void theStampOfTheStatusLogTailIsTheBuildCommandMilestone() {
        BuildMilestones milestones = new BuildMilestones();
        // created 50 ms before the builder's stamp below (5 ms ago), however fast the test itself runs
        long created = System.nanoTime() - 50_000_000L;
        milestones.mark(Milestone.CREATED, created);
        NixBuild scheduled = build(NixBuildPhase.Scheduled, false, null, false);
        scheduled.getStatus().setBuilder("default-0-abcde");
        milestones.observe(scheduled, created + 1_000_000);
        NixBuild done = build(NixBuildPhase.Succeeded, true, "/nix/store/x.drv", true);
        done.getStatus().setLogTail("[nixpool] building /nix/store/x.drv\nnixpool-bench-start "
                + (BuilderStamp.epochNanos() - 5_000_000L) + "\n[nixpool] Nix says: Built");
        milestones.observe(done, System.nanoTime());

        assertThat(milestones.builder()).isEqualTo("default-0-abcde");
        assertThat(milestones.millis(Milestone.COMMAND_ON_BUILDER, Milestone.SUCCEEDED)).isBetween(4.0, 10_000.0);
        assertThat(milestones.millis(Milestone.CREATED, Milestone.COMMAND_ON_BUILDER)).isBetween(40.0, 10_000.0);
    }

    @Test
    void warmTargetsAreIssueNinesAndSayMetOrNot() {
        WarmComparison comparison = new WarmComparison(LatencyStats.of(List.of(80.0, 90.0, 350.0)),
                LatencyStats.of(List.of(500.0, 520.0, 900.0)), LatencyStats.of(List.of(400.0, 450.0, 460.0)),
                LatencyStats.of(List.of(200.0, 210.0, 220.0)));
        assertThat(comparison.commandP50Met()).isTrue();
        assertThat(comparison.commandP95Met()).isFalse();
        assertThat(comparison.ratio()).isCloseTo(520.0 / 450.0, offset(0.001));
        assertThat(comparison.ratioMet()).isTrue();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        comparison.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .containsPattern("ratio end to end / direct \\(medians\\) +1\\.16x  target <= 1\\.2x: met")
                .containsPattern("build command on the builder, p50 +90\\.0  target <= 100: met")
                .containsPattern("build command on the builder, p95 +350\\.0  target <= 300: NOT MET");
    }

    @Test
    void theWarmReportTellsWarmStartsFromColdOnes() {
        Map<String, BuildMilestones> builds = new LinkedHashMap<>();
        Map<String, Long> podsReady = new LinkedHashMap<>();
        for (int i = 1; i <= 2; i++) {
            BuildMilestones milestones = new BuildMilestones();
            milestones.mark(Milestone.CREATED, 1_000_000_000L);
            NixBuild scheduled = build(NixBuildPhase.Scheduled, false, null, false);
            scheduled.getStatus().setBuilder("pod-" + i);
            milestones.observe(scheduled, 1_020_000_000L);
            milestones.mark(Milestone.SUCCEEDED, 1_500_000_000L);
            builds.put("bench-" + i, milestones);
        }
        podsReady.put("pod-1", 900_000_000L);
        podsReady.put("pod-2", 1_100_000_000L);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LifecycleBenchmark.perBuild(builds, podsReady, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .containsPattern("bench-1 +pod-1 +yes +20\\.0 +- +500\\.0")
                .containsPattern("bench-2 +pod-2 +NO ")
                .contains("1 of 2 builds found their builder Ready when they were created");
    }

    @Test
    void badOptionsSayWhatWasExpectedAndWhatCame() {
        assertThatThrownBy(() -> LifecycleBenchmark.Options.parse(List.of("--builds", "0")))
                .hasMessage("--builds needs a positive number, got '0'");
        assertThatThrownBy(() -> LifecycleBenchmark.Options.parse(List.of("--builds", "many")))
                .hasMessage("--builds needs a positive number, got 'many'");
        assertThatThrownBy(() -> LifecycleBenchmark.Options.parse(List.of("--concurrency")))
                .hasMessage("--concurrency needs a positive number after it, got nothing");
        assertThatThrownBy(() -> LifecycleBenchmark.Options.parse(List.of("--set", "=x")))
                .hasMessage("--set needs an operator setting KEY=VALUE, got '=x'");
        assertThatThrownBy(() -> LifecycleBenchmark.Options.parse(List.of("--fast")))
                .hasMessageStartingWith("unknown option '--fast'; expected --builds N");
    }

    @Test
    void percentilesAreNearestRank() {
        List<Double> values = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            values.add((double) i);
        }
        LatencyStats stats = LatencyStats.of(values);
        assertThat(stats.count()).isEqualTo(20);
        assertThat(stats.median()).isEqualTo(10.0);
        assertThat(stats.p95()).isEqualTo(19.0);
        assertThat(stats.max()).isEqualTo(20.0);
        assertThat(LatencyStats.of(Arrays.asList(5.0, null, 1.0))).isEqualTo(new LatencyStats(2, 1.0, 5.0, 5.0));
        assertThat(LatencyStats.of(List.of()).count()).isZero();
    }

    @Test
    void milestonesAreTakenFromTheFirstStatusThatShowsThem() {
        BuildMilestones milestones = new BuildMilestones();
        milestones.mark(Milestone.CREATED, 0);
        milestones.observe(build(NixBuildPhase.Pending, false, null, false), 1_000_000);
        milestones.observe(build(NixBuildPhase.Scheduled, false, null, false), 5_000_000);
        milestones.observe(readyPod(), 7_000_000);
        milestones.observe(build(NixBuildPhase.Building, true, null, false), 12_000_000);
        milestones.observe(build(NixBuildPhase.Building, true, "/nix/store/x.drv", false), 20_000_000);
        milestones.observe(build(NixBuildPhase.Succeeded, true, "/nix/store/x.drv", true), 50_000_000);
        milestones.observe(build(NixBuildPhase.Succeeded, true, "/nix/store/x.drv", true), 90_000_000);

        assertThat(milestones.millis(Milestone.CREATED, Milestone.SCHEDULED)).isEqualTo(5.0);
        assertThat(milestones.millis(Milestone.SCHEDULED, Milestone.POD_READY)).isEqualTo(2.0);
        assertThat(milestones.millis(Milestone.POD_READY, Milestone.BUILDER_READY)).isEqualTo(5.0);
        assertThat(milestones.millis(Milestone.BUILDER_READY, Milestone.EVALUATED)).isEqualTo(8.0);
        assertThat(milestones.millis(Milestone.EVALUATED, Milestone.BUILT)).isEqualTo(30.0);
        assertThat(milestones.millis(Milestone.BUILT, Milestone.SUCCEEDED)).isEqualTo(0.0);
        assertThat(milestones.isFinished()).isTrue();
        assertThat(milestones.finalPhase()).isEqualTo(NixBuildPhase.Succeeded);
    }

    @Test
    void reportPrintsEveryPhase() {
        BuildMilestones milestones = new BuildMilestones();
        milestones.mark(Milestone.CREATED, 0);
        milestones.mark(Milestone.SUCCEEDED, 2_000_000_000L);
        Map<String, BuildMilestones> builds = new LinkedHashMap<>();
        builds.put("bench-1", milestones);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LifecycleBenchmark.report(builds, new LifecycleBenchmark.Options(1, 1, Map.of()), 2.5,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("1 builds, at most 1 at a time, 2.5 s in all");
        LifecycleBenchmark.PHASES.keySet().forEach(phase -> assertThat(text).contains(phase));
        assertThat(text).containsPattern("end to end \\(created -> Succeeded\\) +2000\\.0 +2000\\.0 +2000\\.0 +1");
    }

    @Test
    void theComparisonTakesMediansAndHoldsEndToEndToDirectPlusPodStartPlusHalfASecond() {
        Map<String, BuildMilestones> builds = new LinkedHashMap<>();
        long[][] createdScheduledReadySucceededMs = {{0, 100, 400, 1500}, {0, 100, 300, 1200}, {0, 200, 700, 3000}};
        for (int i = 0; i < createdScheduledReadySucceededMs.length; i++) {
            long[] at = createdScheduledReadySucceededMs[i];
            BuildMilestones milestones = new BuildMilestones();
            milestones.mark(Milestone.CREATED, at[0] * 1_000_000);
            milestones.mark(Milestone.SCHEDULED, at[1] * 1_000_000);
            milestones.mark(Milestone.POD_READY, at[2] * 1_000_000);
            milestones.mark(Milestone.SUCCEEDED, at[3] * 1_000_000);
            builds.put("bench-" + i, milestones);
        }
        OffloadComparison comparison = LifecycleBenchmark.comparison(builds,
                LatencyStats.of(List.of(400.0, 500.0, 450.0)));

        assertThat(comparison).isEqualTo(new OffloadComparison(1500.0, 450.0, 300.0));
        assertThat(comparison.ratio()).isCloseTo(3.333, offset(0.001));
        assertThat(comparison.budget()).isEqualTo(1250.0);
        assertThat(comparison.met()).isFalse();
        assertThat(new OffloadComparison(1250.0, 450.0, 300.0).met()).isTrue();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        comparison.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).containsPattern("ratio end to end / direct +3\\.33x")
                .containsPattern("target: direct \\+ pod start \\+ 500 +1250\\.0  MISSED \\(by 250\\.0 ms\\)");
    }

    private static NixBuild build(NixBuildPhase phase, boolean builderReady, String derivation, boolean built) {
        NixBuildStatus status = new NixBuildStatus();
        status.setPhase(phase);
        if (builderReady) {
            status.getConditions().add(new ConditionBuilder().withType("BuilderReady").withStatus("True").build());
        }
        status.setDerivation(derivation);
        if (built) {
            status.setBuildStatus("Built");
            status.getOutputs().add(new BuildOutput("out", "/nix/store/x", "sha256:0", 1L));
        }
        NixBuild build = new NixBuild();
        build.setStatus(status);
        return build;
    }

    private static Pod readyPod() {
        return new PodBuilder().withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus().build();
    }
}
