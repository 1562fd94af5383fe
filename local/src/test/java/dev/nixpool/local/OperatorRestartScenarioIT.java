package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * A single operator that is killed is started again, as its Deployment would: a build created while it was down
 * succeeds once the new process holds the Lease (after the dead one's expired).
 */
class OperatorRestartScenarioIT {

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("operator-restart", 110, 119);

    @Test
    void aKilledOperatorIsRestartedAndABuildCreatedMeanwhileSucceeds() {
        KubernetesClient client = CLUSTER.client();
        ScenarioFixture.namespaceWithPool(client, "restart", "buildmachine-default.yaml");
        OperatorProcess operator = CLUSTER.cluster().operator();
        long firstPid = operator.pid();
        String firstIdentity = operator.identity();

        operator.kill();
        client.resource(ScenarioFixture.shellBuild("restart", "meanwhile", "meanwhile-" + System.nanoTime(),
                "echo meanwhile > $out")).create();

        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(CLUSTER.cluster().restarts(operator)).as("restarts").isEqualTo(1);
            assertThat(operator.isRunning()).as("running again").isTrue();
        });
        assertThat(operator.pid()).isNotEqualTo(firstPid);
        assertThat(operator.identity()).isNotEqualTo(firstIdentity);

        NixBuild done = ScenarioFixture.awaitFinished(client, "restart", "meanwhile");
        assertThat(done.getStatus().getPhase()).as(ScenarioFixture.describe(done)).isEqualTo(NixBuildPhase.Succeeded);
        assertThat(CLUSTER.cluster().restarts(operator)).as("restarts once the build is done").isEqualTo(1);
    }
}
