package dev.nixpool.reconcile;

import static dev.nixpool.TestResources.build;
import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineStatus;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.builder.BuilderPodRenderer;
import dev.nixpool.builder.KeySecretRenderer;
import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.lifecycle.BuilderProvisioner;

/**
 * The real operator (Quarkus, QOSDK, both reconcilers) against the Fabric8 mock API server in CRUD mode. The mock stores
 * the CRDs (QOSDK applies them in the test profile) so status is a real subresource; it has no garbage collector and no
 * kubelet, so pods never run: the tests set a pod's status themselves where they need one. Each test works in its own
 * namespace, because BuildMachines are namespaced.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class NixBuildReconcilerTest {

    private static final String X86 = "x86_64-linux";

    @Inject
    KubernetesClient client;

    @Inject
    BuilderProvisioner provisioner;

    @Inject
    NixpoolConfig config;

    MockCluster cluster;

    @BeforeEach
    void connect() {
        cluster = new MockCluster(client);
    }

    @Test
    void kvmBuildGetsAKvmBuilderPodAndKeySecret() {
        String ns = "kvm";
        cluster.create(machine(ns, "plain", 2, List.of(X86), List.of(), List.of()));
        cluster.create(machine(ns, "kvm-pool", 2, List.of(X86), List.of("kvm"), List.of()));
        cluster.create(build(ns, "vm-test", X86, List.of("kvm")));

        NixBuild scheduled = cluster.awaitPhase(ns, "vm-test", NixBuildPhase.Scheduled);
        String podName = scheduled.getStatus().getBuilder();
        assertThat(scheduled.getStatus().getMachine()).isEqualTo("kvm-pool");
        assertThat(podName).matches("kvm-pool-0-[a-z0-9]{5}");
        assertThat(scheduled.getStatus().getAttempts()).isEqualTo(1);
        assertThat(MockCluster.condition(scheduled, Names.CONDITION_SCHEDULED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Scheduled");
            assertThat(c.getObservedGeneration()).isEqualTo(scheduled.getMetadata().getGeneration());
        });
        assertThat(MockCluster.condition(scheduled, Names.CONDITION_BUILDER_READY)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("WaitingForBuilder");
        });

        Pod pod = client.pods().inNamespace(ns).withName(podName).get();
        String poolUid = client.resources(BuildMachine.class).inNamespace(ns).withName("kvm-pool").get().getMetadata()
                .getUid();
        assertThat(pod.getSpec().getNodeSelector()).containsEntry("nixpool.dev/kvm", "true");
        assertThat(pod.getMetadata().getLabels()).containsEntry(Names.LABEL_MANAGED_BY, "nixpool")
                .containsEntry(Names.LABEL_COMPONENT, "builder")
                .containsEntry(Names.LABEL_BUILD, "vm-test")
                .containsEntry(Names.LABEL_MACHINE, "kvm-pool")
                .containsEntry(Names.LABEL_SLOT, "0")
                .containsEntry(Names.LABEL_ATTEMPT, "1");
        MockCluster.assertControllerOwner(pod.getMetadata().getOwnerReferences(), poolUid);
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        Volume keys = pod.getSpec().getVolumes().get(0);
        assertThat(keys.getSecret().getSecretName()).isEqualTo(podName + "-ssh");
        assertThat(keys.getSecret().getItems()).extracting(i -> i.getKey() + ":" + i.getMode())
                .as("the default non-root builder reads them through its fsGroup")
                .containsExactly("ssh_host_ed25519_key:288", "ssh_host_ed25519_key.pub:288", "authorized_keys:288");
        assertThat(pod.getSpec().getSecurityContext().getFsGroup()).isEqualTo(10001L);
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();

        Secret secret = client.secrets().inNamespace(ns).withName(podName + "-ssh").get();
        assertThat(secret.getData()).containsOnlyKeys(Names.KEY_HOST_PRIVATE, Names.KEY_HOST_PUBLIC,
                Names.KEY_AUTHORIZED_KEYS, Names.KEY_CLIENT_PRIVATE, Names.KEY_CLIENT_PUBLIC);
        assertThat(MockCluster.decode(secret, Names.KEY_AUTHORIZED_KEYS))
                .isEqualTo(MockCluster.decode(secret, Names.KEY_CLIENT_PUBLIC))
                .startsWith("ssh-ed25519 ");
        assertThat(secret.getMetadata().getLabels()).containsEntry(Names.LABEL_MACHINE, "kvm-pool");
        MockCluster.assertControllerOwner(secret.getMetadata().getOwnerReferences(), poolUid);

        // Events are written after the status that shows the phase: under load they may come a moment later
        await().atMost(MockCluster.TIMEOUT).untilAsserted(
                () -> assertThat(cluster.reasonsOfEvents(ns, "vm-test")).contains("Scheduled", "BuilderCreated"));

        // the builder pod becomes Ready without a pod IP (the mock has no kubelet): said so, nothing to connect to yet
        pod.setStatus(new PodStatusBuilder().withPhase("Running")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .build());
        client.pods().inNamespace(ns).resource(pod).updateStatus();
        await().atMost(MockCluster.TIMEOUT)
                .untilAsserted(() -> assertThat(MockCluster.condition(cluster.get(ns, "vm-test"),
                        Names.CONDITION_BUILDER_READY).getMessage()).contains(podName + " is Ready"));
        assertThat(MockCluster.condition(cluster.get(ns, "vm-test"), Names.CONDITION_BUILDER_READY).getStatus())
                .isEqualTo("False");
    }

    @Test
    void repeatedReconcilesAndARepeatedProvisionerCreateNothingNew() {
        String ns = "restart";
        BuildMachine pool = cluster.create(machine(ns, "pool", 2, List.of(X86), List.of(), List.of()));
        cluster.create(build(ns, "once", X86, List.of()));
        String podName = cluster.awaitPhase(ns, "once", NixBuildPhase.Scheduled).getStatus().getBuilder();
        Secret secret = client.secrets().inNamespace(ns).withName(podName + "-ssh").get();
        String podUid = client.pods().inNamespace(ns).withName(podName).get().getMetadata().getUid();

        // several reconciles of the Scheduled build, each seen in the BuilderReady message it writes for the pod's state
        String podVersion = null;
        for (boolean ready : new boolean[]{true, false, true}) {
            podVersion = setReady(ns, podName, ready);
            String expected = ready ? "is Ready but reports no pod IP yet" : "to become Ready";
            await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(
                    MockCluster.condition(cluster.get(ns, "once"), Names.CONDITION_BUILDER_READY).getMessage())
                    .contains(expected));
        }
        // creating the same builder again (a repeated decision) looks it up on the API server, not in a cache
        assertThat(provisioner.create(pool, podName, 0, Map.of())).isFalse();

        assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.secrets().inNamespace(ns).list().getItems()).hasSize(1);
        ObjectMeta podNow = client.pods().inNamespace(ns).withName(podName).get().getMetadata();
        assertThat(podNow.getUid()).as("the operator did not replace the pod").isEqualTo(podUid);
        assertThat(podNow.getResourceVersion()).as("the operator did not change the pod").isEqualTo(podVersion);
        assertThat(client.secrets().inNamespace(ns).withName(podName + "-ssh").get().getData())
                .as("keys are never regenerated").isEqualTo(secret.getData());
        await().atMost(MockCluster.TIMEOUT)
                .untilAsserted(() -> assertThat(cluster.reasonsOfEvents(ns, "once")).contains("BuilderCreated"));
        assertThat(cluster.reasonsOfEvents(ns, "once").stream().filter("BuilderCreated"::equals)).hasSize(1);
    }

    /** Plays kubelet for a pod without an IP: Running, Ready or not. Returns the pod's new resourceVersion. */
    private String setReady(String ns, String podName, boolean ready) {
        Pod pod = client.pods().inNamespace(ns).withName(podName).get();
        pod.setStatus(new PodStatusBuilder().withPhase("Running")
                .withConditions(
                        new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build())
                .build());
        return client.pods().inNamespace(ns).resource(pod).updateStatus().getMetadata().getResourceVersion();
    }

    /**
     * A builder that exists before the build (a warm one, or one an operator created just before it stopped) is the
     * pool's: on a full pool (maxBuilders 1, used by that very pod) the build takes it, no second pod is made.
     */
    @Test
    void anExistingIdleBuilderIsClaimedNotDuplicated() {
        String ns = "adopt";
        BuildMachine solo = cluster.create(machine(ns, "solo", 1, List.of(X86), List.of(), List.of()));
        Secret keys = KeySecretRenderer.renderWithNewKeys(solo, "solo-0-early", 0);
        client.resource(keys).create();
        client.resource(BuilderPodRenderer.render(solo, "solo-0-early", 0, Map.of(), BuilderDefaults.from(config)))
                .create();
        setReady(ns, "solo-0-early", true);
        // the pool's status is written by its own reconcile: absent until then, so read it as optional
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(Optional.ofNullable(client
                .resources(BuildMachine.class).inNamespace(ns).withName("solo").get().getStatus())
                .map(BuildMachineStatus::getIdleBuilders)).as("an idle builder").contains(1));

        cluster.create(build(ns, "adopted", X86, List.of()));

        NixBuild scheduled = cluster.awaitPhase(ns, "adopted", NixBuildPhase.Scheduled);
        assertThat(scheduled.getStatus().getMachine()).isEqualTo("solo");
        assertThat(scheduled.getStatus().getBuilder()).isEqualTo("solo-0-early");
        assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.pods().inNamespace(ns).withName("solo-0-early").get().getMetadata().getLabels())
                .as("marked as the build's ephemeral builder").containsEntry(Names.LABEL_BUILD, "adopted");
        assertThat(client.secrets().inNamespace(ns).withName("solo-0-early-ssh").get().getData())
                .isEqualTo(keys.getData());
        assertThat(cluster.reasonsOfEvents(ns, "adopted")).doesNotContain("BuilderCreated");
    }

    @Test
    void unsatisfiableBuildIsUnschedulableWithAPerPoolTableAndOneWarningPerVerdict() {
        String ns = "unsat";
        cluster.create(machine(ns, "arm", 2, List.of("aarch64-linux"), List.of(), List.of()));
        cluster.create(machine(ns, "bench", 2, List.of(X86), List.of(), List.of("benchmark")));
        cluster.create(build(ns, "needs-kvm", X86, List.of("kvm")));

        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(
                Optional.ofNullable(MockCluster.condition(cluster.get(ns, "needs-kvm"), Names.CONDITION_SCHEDULED))
                        .map(Condition::getReason))
                .contains("Unschedulable"));
        NixBuild build = cluster.get(ns, "needs-kvm");
        assertThat(build.getStatus().getPhase()).isEqualTo(NixBuildPhase.Pending);
        assertThat(MockCluster.condition(build, Names.CONDITION_SCHEDULED).getMessage())
                .contains("(x86_64-linux, [kvm])")
                .contains("- arm (").contains("wrong system: lists aarch64-linux")
                .contains("- bench (").contains("missing feature kvm")
                .contains("mandatory feature benchmark not requested");

        // more reconciles, woken by pool changes that leave the verdict as it was: no Warning for them; then one change
        // that alters the verdict, whose reconcile comes after theirs (one informer, events in order): seen in the
        // message, and the only second Warning
        for (double speed : new double[]{2.0, 3.0}) {
            cluster.editMachine(ns, "arm", spec -> spec.setSpeedFactor(speed));
        }
        cluster.create(machine(ns, "riscv", 1, List.of("riscv64-linux"), List.of(), List.of()));
        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(unschedulableWarnings(ns, "needs-kvm"))
                .anySatisfy(e -> assertThat(e.getMessage()).contains("- riscv (")));
        List<Event> warnings = unschedulableWarnings(ns, "needs-kvm");
        assertThat(warnings).hasSize(2).allSatisfy(e -> assertThat(e.getType()).isEqualTo("Warning"));
        assertThat(warnings).filteredOn(e -> e.getMessage().contains("riscv")).hasSize(1);
        assertThat(MockCluster.condition(cluster.get(ns, "needs-kvm"), Names.CONDITION_SCHEDULED).getMessage())
                .contains("- riscv (");
        assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
    }

    /**
     * Six builds on a pool of two, placed two at a time as the placed ones go away: a watch on the namespace's pods sees
     * every creation and deletion, so the bound holds at every moment, not only when the test looked.
     */
    @Test
    void parallelBuildsNeverGetMoreBuildersThanMaxBuilders() {
        String ns = "burst";
        try (PodWatch pods = new PodWatch(client, ns)) {
            cluster.create(machine(ns, "pair", 2, List.of(X86), List.of(), List.of()));
            for (int i = 1; i <= 6; i++) {
                cluster.create(build(ns, "burst-" + i, X86, List.of()));
            }
            // nothing ends by itself here (no kubelet): two placed, four queued in order is where the operator settles
            await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> {
                assertThat(scheduledBuilders(ns)).hasSize(2);
                assertThat(cluster.queuePositions(ns).values()).containsExactlyInAnyOrder(1, 2, 3, 4);
            });

            Set<String> placed = new HashSet<>();
            while (placed.size() < 6) {
                await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(scheduledBuilders(ns))
                        .hasSize(Math.min(2, 6 - placed.size())));
                Map<String, String> running = scheduledBuilders(ns);
                assertThat(placed).doesNotContainAnyElementsOf(running.keySet());
                placed.addAll(running.keySet());
                running.keySet().forEach(name -> client.resources(NixBuild.class).inNamespace(ns).withName(name)
                        .delete());
            }
            await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> assertThat(pods.alive()).isEmpty());

            assertThat(pods.problems()).isEmpty();
            assertThat(pods.created()).as("one ephemeral builder per build").hasSize(6)
                    .allMatch(name -> name.matches("pair-[01]-[a-z0-9]{5}"));
            assertThat(pods.mostAlive()).as("builder pods alive at once").isEqualTo(2);
        }
    }

    private List<Event> unschedulableWarnings(String ns, String build) {
        return cluster.events(ns, build).stream().filter(e -> "Unschedulable".equals(e.getReason())).toList();
    }

    /** Builds placed on a builder that still exist (not being deleted), with the builder pod's name. */
    private Map<String, String> scheduledBuilders(String ns) {
        return client.resources(NixBuild.class).inNamespace(ns).list().getItems().stream()
                .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
                .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == NixBuildPhase.Scheduled)
                .collect(Collectors.toMap(b -> b.getMetadata().getName(), b -> b.getStatus().getBuilder()));
    }

    @Test
    void invalidSpecGetsAConditionAndAWarning() {
        String ns = "invalid";
        cluster.create(machine(ns, "pool", 1, List.of(X86), List.of(), List.of()));
        NixBuild twoSources = build(ns, "two-sources", X86, List.of());
        twoSources.getSpec().setExpression("(import <nixpkgs> {}).hello");
        cluster.create(twoSources);

        await().atMost(MockCluster.TIMEOUT).untilAsserted(
                () -> assertThat(MockCluster.reason(cluster.get(ns, "two-sources"), Names.CONDITION_SCHEDULED))
                        .isEqualTo("InvalidSpec"));
        assertThat(MockCluster.condition(cluster.get(ns, "two-sources"), Names.CONDITION_SCHEDULED).getMessage())
                .contains("exactly one of spec.derivation, spec.expression or spec.flake must be set, found 2");
        // the Event follows the status write that showed the condition: under load it may come a moment later
        await().atMost(MockCluster.TIMEOUT).untilAsserted(
                () -> assertThat(cluster.reasonsOfEvents(ns, "two-sources")).contains("InvalidSpec"));
        assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void buildMachineStatusCountsBuildersAndQueue() {
        String ns = "pool-status";
        cluster.create(machine(ns, "one", 1, List.of(X86), List.of(), List.of()));
        cluster.create(machine(ns, "broken", 0, List.of(X86), List.of(), List.of()));
        cluster.create(build(ns, "first", X86, List.of()));
        cluster.awaitPhase(ns, "first", NixBuildPhase.Scheduled);
        cluster.create(build(ns, "second", X86, List.of()));

        await().atMost(MockCluster.TIMEOUT).untilAsserted(() -> {
            BuildMachine one = client.resources(BuildMachine.class).inNamespace(ns).withName("one").get();
            assertThat(one.getStatus()).as("status written by the pool's reconcile").isNotNull();
            assertThat(one.getStatus().getBuilders()).isEqualTo(1);
            assertThat(one.getStatus().getBusyBuilders()).isEqualTo(1);
            assertThat(one.getStatus().getQueued()).isEqualTo(1);
            assertThat(one.getStatus().getObservedGeneration()).isEqualTo(one.getMetadata().getGeneration());
            assertThat(one.getStatus().getConditions()).singleElement()
                    .satisfies(c -> assertThat(c.getStatus()).isEqualTo("True"));
            BuildMachine broken = client.resources(BuildMachine.class).inNamespace(ns).withName("broken").get();
            assertThat(broken.getStatus().getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("InvalidSpec");
                assertThat(c.getMessage()).contains("spec.maxBuilders must be at least 1, got 0");
            });
        });
    }
}
