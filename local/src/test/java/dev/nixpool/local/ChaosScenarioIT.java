package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.bench.ChaosOptions;
import dev.nixpool.bench.ChaosReport;
import dev.nixpool.bench.ChaosRun;

/**
 * {@code ./nixpool bench chaos} in small: 8 real builds while the operator is SIGKILLed once, 2 builder pods are
 * deleted and 2 SSH connections are cut mid-build. Every build must succeed, every attempt must have had one builder
 * pod, and no builder pod or Secret may be left once the builds have ended. Each chaos step waits for a build held on
 * its builder to hit, so the run does not depend on how fast the machine is.
 */
class ChaosScenarioIT {

    @Test
    void everyBuildSurvivesKillsDeletesAndCutsWithOnePodPerAttemptAndNothingLeft() throws InterruptedException {
        ChaosOptions options = ChaosOptions.of(8, 1, 2, 2, 13);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        ChaosReport report;
        try (LocalCluster cluster = ScenarioFixture.start("chaos", 80, 99);
                PrintStream progress = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            report = ChaosRun.execute(cluster, options, "chaos", progress);
            report.print(progress);
        }
        String printed = output.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        assertThat(report.failures()).as(printed).isEmpty();
        assertThat(report.builds()).as(printed).hasSize(8)
                .allSatisfy(build -> assertThat(build.phase()).isEqualTo(NixBuildPhase.Succeeded));
        assertThat(report.kills()).isEqualTo(1);
        assertThat(report.restarts()).isGreaterThanOrEqualTo(1);
        assertThat(report.deletes()).isEqualTo(2);
        assertThat(report.cuts()).isEqualTo(2);
        assertThat(report.maxPodsPerAttempt()).as(printed).isEqualTo(1);
        assertThat(report.doubledAttempts()).isEmpty();
        assertThat(report.leftoverPods()).isEmpty();
        assertThat(report.leftoverSecrets()).isEmpty();
        // each deleted builder cost its build an attempt: a retry on a fresh builder
        assertThat(report.builds().stream().mapToInt(ChaosReport.BuildEnd::attempts).sum())
                .isGreaterThanOrEqualTo(8 + 2);
        assertThat(printed).contains("attempts histogram");
    }
}
