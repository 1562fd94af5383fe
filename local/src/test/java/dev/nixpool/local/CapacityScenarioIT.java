package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * Twenty builds at once on an ephemeral pool of at most three builders: all succeed, each on a builder of its own, and
 * the limit holds at every moment (counted from the pods' watch events, not sampled).
 */
class CapacityScenarioIT {

    private static final String NAMESPACE = "capacity";
    private static final int BUILDS = 20;
    private static final int MAX_BUILDERS = 3;

    @Test
    void twentyBuildsOnThreeBuildersAllSucceedAndNeverExceedTheLimit() {
        try (LocalCluster cluster = ScenarioFixture.start("capacity", 170, 189)) {
            KubernetesClient client = cluster.client();
            ScenarioFixture.createNamespace(client, NAMESPACE);
            BuildMachine pool = ScenarioFixture.example(client, BuildMachine.class, "buildmachine-default.yaml",
                    NAMESPACE);
            pool.getSpec().setMaxBuilders(MAX_BUILDERS);
            client.resource(pool).create();

            List<String> names = new ArrayList<>();
            try (PodCensus census = new PodCensus(client, NAMESPACE)) {
                long run = System.nanoTime();
                for (int i = 1; i <= BUILDS; i++) {
                    String name = "parallel-" + i;
                    names.add(name);
                    client.resource(ScenarioFixture.shellBuild(NAMESPACE, name, "parallel-" + i + "-" + run,
                            ScenarioFixture.waitSeconds(1) + "; echo " + i + " > $out")).create();
                }
                for (String name : names) {
                    NixBuild done = ScenarioFixture.awaitFinished(client, NAMESPACE, name);
                    assertThat(done.getStatus().getPhase()).as(ScenarioFixture.describe(done))
                            .isEqualTo(NixBuildPhase.Succeeded);
                    assertThat(done.getStatus().getOutputs()).singleElement()
                            .satisfies(out -> assertThat(out.getNarHash()).startsWith("sha256:"));
                }
                assertThat(census.max()).as("builder pods at once; pod events " + census.events())
                        .isEqualTo(MAX_BUILDERS);
                assertThat(census.seen()).as("one builder per build").hasSize(BUILDS);
                assertThat(names.stream().map(n -> ScenarioFixture.get(client, NAMESPACE, n).getStatus().getBuilder())
                        .distinct()).as("an ephemeral builder serves one build").hasSize(BUILDS);
                assertThat(census.problems()).isEmpty();
            }
        }
    }
}
