package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.local.apiserver.EmbeddedApiServer;

/**
 * Two operator replicas elect a leader on a Lease; the leader is SIGKILLed in the middle of a build. The standby takes
 * the Lease over (the killed replica comes back, as a Deployment's pod would, with a new identity), re-dispatches the
 * build on its still Ready builder and finishes it: no build is lost (one created while nobody led succeeds too), none
 * gets a second attempt or a second builder, and no pod or Secret is left once they are done.
 */
class OperatorFailoverScenarioIT {

    private static final String NS = "failover";
    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        cluster = ScenarioFixture.start("failover", 100, 109, 2);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theStandbyTakesOverAKilledLeadersBuildsAndRunsEachOnce() {
        KubernetesClient client = cluster.client();
        ScenarioFixture.namespaceWithPool(client, NS, "buildmachine-default.yaml");
        OperatorProcess leader = await().atMost(ScenarioFixture.WAIT).until(OperatorFailoverScenarioIT::leader,
                Optional::isPresent).orElseThrow();
        OperatorProcess standby = cluster.operators().stream().filter(o -> o != leader).findFirst().orElseThrow();
        assertThat(standby.isRunning()).as("the standby runs (Ready) beside the leader").isTrue();
        String killedIdentity = leader.identity();

        try (PodCensus census = new PodCensus(client, NS)) {
            client.resource(ScenarioFixture.shellBuild(NS, "inflight", "inflight-" + System.nanoTime(),
                    ScenarioFixture.waitSeconds(15) + "; echo inflight > $out")).create();
            awaitBuilding("inflight");

            leader.kill();
            // created while the Lease is still the dead leader's: nobody reconciles it until the standby leads
            client.resource(ScenarioFixture.shellBuild(NS, "meanwhile", "meanwhile-" + System.nanoTime(),
                    "echo meanwhile > $out")).create();

            String newHolder = await().atMost(ScenarioFixture.WAIT).until(OperatorFailoverScenarioIT::holder,
                    h -> h.isPresent() && !h.get().equals(killedIdentity)).orElseThrow();
            assertThat(cluster.operators().stream().map(OperatorProcess::identity)).as("live identities")
                    .contains(newHolder);

            for (String name : List.of("inflight", "meanwhile")) {
                NixBuild done = ScenarioFixture.awaitFinished(client, NS, name);
                String summary = ScenarioFixture.describe(done);
                assertThat(done.getStatus().getPhase()).as(summary).isEqualTo(NixBuildPhase.Succeeded);
                assertThat(done.getStatus().getAttempts()).as("one attempt: " + summary).isEqualTo(1);
                assertThat(done.getStatus().getOutputs()).singleElement()
                        .satisfies(out -> assertThat(out.getPath()).contains("-" + name + "-"));
                assertThat(census.maxFor(name)).as("builder pods of %s at once; pod events %s", name,
                        census.events()).isEqualTo(1);
            }
            await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
                assertThat(client.pods().inNamespace(NS).withLabel(Names.LABEL_BUILD).list().getItems())
                        .as("builder pods").isEmpty();
                assertThat(client.secrets().inNamespace(NS).withLabel(Names.LABEL_BUILD).list().getItems())
                        .as("key Secrets").isEmpty();
            });
        }
        await().atMost(ScenarioFixture.WAIT).untilAsserted(() -> {
            assertThat(cluster.restarts(leader)).as("restarts of the killed replica").isEqualTo(1);
            assertThat(leader.isRunning()).as("the killed replica runs again").isTrue();
            assertThat(leader.identity()).as("a restarted replica is a new pod").isNotEqualTo(killedIdentity);
        });
        assertThat(cluster.restarts(standby)).as("restarts of the standby").isZero();
    }

    /**
     * A leader told to stop (SIGTERM, as on a rollout or a drain) shuts down cleanly, and another replica leads once
     * the Lease is free. JOSDK's own exit on lost leadership would block in the shutdown hook until SIGKILL.
     */
    @Test
    void aLeaderStoppedWithSigtermShutsDownCleanlyAndHandsTheLeaseOver() throws Exception {
        OperatorProcess leader = await().atMost(ScenarioFixture.WAIT).until(OperatorFailoverScenarioIT::leader,
                Optional::isPresent).orElseThrow();
        String identity = leader.identity();
        int restartsBefore = cluster.restarts(leader);
        leader.stop();
        assertThat(Files.readString(leader.logFile())).as("the stopped leader's log")
                .containsPattern("=== " + leader.name() + " start [^\\n]* as " + identity
                        + " ===(?s).*nixpool-operator stopped in");
        String next = await().atMost(ScenarioFixture.WAIT).until(OperatorFailoverScenarioIT::holder,
                h -> h.isPresent() && !h.get().equals(identity)).orElseThrow();
        assertThat(cluster.operators().stream().filter(OperatorProcess::isRunning).map(OperatorProcess::identity))
                .as("the replicas still running").contains(next);
        assertThat(cluster.restarts(leader)).as("a stop is no crash: no restart").isEqualTo(restartsBefore);
        leader.start();
    }

    private static Optional<String> holder() {
        Lease lease = cluster.client().leases().inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE)
                .withName(cluster.leaseName()).get();
        return Optional.ofNullable(lease).map(l -> l.getSpec().getHolderIdentity()).filter(h -> !h.isBlank());
    }

    /** The replica that holds the Lease now. */
    private static Optional<OperatorProcess> leader() {
        return holder().flatMap(h -> cluster.operators().stream().filter(o -> o.identity().equals(h)).findFirst());
    }

    /** Until the build runs on its builder: phase Building, derivation known, the builder pod live. */
    private static void awaitBuilding(String name) {
        await().atMost(ScenarioFixture.WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            NixBuild build = ScenarioFixture.get(cluster.client(), NS, name);
            return build != null && build.getStatus() != null
                    && build.getStatus().getPhase() == NixBuildPhase.Building
                    && build.getStatus().getDerivation() != null && build.getStatus().getBuilder() != null
                    && !ScenarioFixture.liveBuilders(cluster, NS, build.getStatus().getBuilder()).isEmpty();
        });
    }
}
