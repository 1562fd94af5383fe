package dev.nixpool.reconcile;

import static dev.nixpool.TestResources.build;
import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * Waiting builds are scheduled by events alone: the test profile sets the Pending requeue (the safety net) to an hour,
 * so a build that moves within the test's timeout was woken by a BuildMachine or builder-pod event. The real operator
 * runs against the Fabric8 mock API server in CRUD mode (CRDs stored by QOSDK, no garbage collector: the operator's
 * cleanup deletes pods and Secrets itself).
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class EventDrivenSchedulingTest {

    private static final String X86 = "x86_64-linux";

    @Inject
    KubernetesClient client;

    MockCluster cluster;

    @BeforeEach
    void connect() {
        cluster = new MockCluster(client);
    }

    @Test
    void fullPoolQueuesInFifoOrderAndNeverExceedsMaxBuilders() {
        String ns = "queue";
        try (PodWatch pods = new PodWatch(client, ns)) {
            cluster.create(machine(ns, "small", 1, List.of(X86), List.of(), List.of()));
            cluster.create(build(ns, "q1", X86, List.of()));
            String q1Pod = cluster.awaitPhase(ns, "q1", NixBuildPhase.Scheduled).getStatus().getBuilder();
            await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(cluster.get(ns, "q1").getMetadata()
                    .getFinalizers()).as("added by the reconcile that placed it").contains(Names.FINALIZER));
            cluster.create(build(ns, "q2", X86, List.of()));
            cluster.create(build(ns, "q3", X86, List.of()));

            await().atMost(MockCluster.TIMEOUT)
                    .untilAsserted(() -> assertThat(cluster.queuePositions(ns)).isEqualTo(Map.of("q2", 1, "q3", 2)));
            assertThat(MockCluster.condition(cluster.get(ns, "q2"), Names.CONDITION_SCHEDULED).getReason())
                    .isEqualTo("WaitingForCapacity");
            assertThat(MockCluster.condition(cluster.get(ns, "q3"), Names.CONDITION_SCHEDULED).getMessage())
                    .contains("position 2");

            // the first build goes away: its pod and Secret are cleaned up, q2 takes the slot, q3 moves up
            client.resources(NixBuild.class).inNamespace(ns).withName("q1").delete();
            await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> {
                assertThat(client.pods().inNamespace(ns).withName(q1Pod).get()).isNull();
                assertThat(client.secrets().inNamespace(ns).withName(q1Pod + "-ssh").get()).isNull();
                assertThat(client.resources(NixBuild.class).inNamespace(ns).withName("q1").get())
                        .as("its finalizer removed once cleaned up").isNull();
                assertThat(cluster.get(ns, "q2").getStatus().getPhase()).isEqualTo(NixBuildPhase.Scheduled);
                assertThat(cluster.queuePositions(ns)).isEqualTo(Map.of("q3", 1));
                assertThat(pods.alive()).containsExactly(cluster.get(ns, "q2").getStatus().getBuilder());
            });
            assertThat(pods.problems()).isEmpty();
            assertThat(pods.created()).as("an ephemeral builder each").hasSize(2).contains(q1Pod);
            assertThat(pods.mostAlive()).as("builder pods alive at once").isEqualTo(1);
        }
    }

    /**
     * Builds deleted at once after their creation, some before the reconcile that places them added the finalizer and
     * some after: whichever way the deletion is seen, no builder pod or key Secret is left and the builds are gone.
     */
    @Test
    void buildsDeletedRightAfterCreationLeaveNoPodOrSecret() {
        String ns = "quick-delete";
        cluster.create(machine(ns, "quick", 2, List.of(X86), List.of(), List.of()));
        for (int i = 1; i <= 4; i++) {
            cluster.create(build(ns, "d" + i, X86, List.of()));
            client.resources(NixBuild.class).inNamespace(ns).withName("d" + i).delete();
        }
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> {
            assertThat(client.resources(NixBuild.class).inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.secrets().inNamespace(ns).list().getItems()).isEmpty();
        });
    }

    /**
     * A long queue: when the head leaves, only the build that may take the slot is woken at once; the ones behind it
     * get their new positions from the queue refresher (test profile: every 2 s), each one exactly once.
     */
    @Test
    void positionsBehindTheHeadMoveUpWhenItLeaves() {
        String ns = "long-queue";
        cluster.create(machine(ns, "one", 1, List.of(X86), List.of(), List.of()));
        cluster.create(build(ns, "l1", X86, List.of()));
        cluster.awaitPhase(ns, "l1", NixBuildPhase.Scheduled);
        for (int i = 2; i <= 6; i++) {
            cluster.create(build(ns, "l" + i, X86, List.of()));
        }
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(cluster.queuePositions(ns))
                .isEqualTo(Map.of("l2", 1, "l3", 2, "l4", 3, "l5", 4, "l6", 5)));

        client.resources(NixBuild.class).inNamespace(ns).withName("l1").delete();
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> {
            assertThat(cluster.get(ns, "l2").getStatus().getPhase()).isEqualTo(NixBuildPhase.Scheduled);
            assertThat(cluster.queuePositions(ns)).isEqualTo(Map.of("l3", 1, "l4", 2, "l5", 3, "l6", 4));
        });
    }

    @Test
    void newOrChangedBuildMachineUnblocksWaitingBuilds() {
        String ns = "unblock";
        cluster.create(machine(ns, "plain", 2, List.of(X86), List.of(), List.of()));
        cluster.create(build(ns, "big", X86, List.of("big-parallel")));
        cluster.create(build(ns, "bench", X86, List.of("benchmark")));
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> {
            assertThat(MockCluster.reason(cluster.get(ns, "big"), Names.CONDITION_SCHEDULED))
                    .isEqualTo("Unschedulable");
            assertThat(MockCluster.reason(cluster.get(ns, "bench"), Names.CONDITION_SCHEDULED))
                    .isEqualTo("Unschedulable");
        });

        cluster.create(machine(ns, "big-pool", 1, List.of(X86), List.of("big-parallel"), List.of()));
        NixBuild big = cluster.awaitPhase(ns, "big", NixBuildPhase.Scheduled);
        assertThat(big.getStatus().getMachine()).isEqualTo("big-pool");
        assertThat(client.pods().inNamespace(ns).withName(big.getStatus().getBuilder()).get().getSpec()
                .getNodeSelector())
                .containsEntry("nixpool.dev/big-parallel", "true");

        cluster.editMachine(ns, "plain", spec -> spec.setSupportedFeatures(List.of("benchmark")));
        assertThat(cluster.awaitPhase(ns, "bench", NixBuildPhase.Scheduled).getStatus().getMachine())
                .isEqualTo("plain");
    }
}
