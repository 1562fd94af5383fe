package dev.nixpool.reconcile;

import static dev.nixpool.TestResources.build;
import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReference;
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
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
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

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String X86 = "x86_64-linux";

    @Inject
    KubernetesClient client;

    @Inject
    BuilderProvisioner provisioner;

    @Test
    void kvmBuildGetsAKvmBuilderPodAndKeySecret() {
        String ns = "kvm";
        create(machine(ns, "plain", 2, List.of(X86), List.of(), List.of()));
        create(machine(ns, "kvm-pool", 2, List.of(X86), List.of("kvm"), List.of()));
        create(build(ns, "vm-test", X86, List.of("kvm")));

        NixBuild scheduled = awaitPhase(ns, "vm-test", NixBuildPhase.Scheduled);
        assertThat(scheduled.getStatus().getMachine()).isEqualTo("kvm-pool");
        assertThat(scheduled.getStatus().getBuilder()).isEqualTo("vm-test-builder-1");
        assertThat(scheduled.getStatus().getAttempts()).isEqualTo(1);
        assertThat(condition(scheduled, Names.CONDITION_SCHEDULED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Scheduled");
            assertThat(c.getObservedGeneration()).isEqualTo(scheduled.getMetadata().getGeneration());
        });
        assertThat(condition(scheduled, Names.CONDITION_BUILDER_READY)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("WaitingForBuilder");
        });

        Pod pod = client.pods().inNamespace(ns).withName("vm-test-builder-1").get();
        String uid = client.resources(NixBuild.class).inNamespace(ns).withName("vm-test").get().getMetadata().getUid();
        assertThat(pod.getSpec().getNodeSelector()).containsEntry("nixpool.dev/kvm", "true");
        assertThat(pod.getMetadata().getLabels()).containsEntry(Names.LABEL_MANAGED_BY, "nixpool")
                .containsEntry(Names.LABEL_COMPONENT, "builder")
                .containsEntry(Names.LABEL_BUILD, "vm-test")
                .containsEntry(Names.LABEL_MACHINE, "kvm-pool")
                .containsEntry(Names.LABEL_ATTEMPT, "1");
        assertControllerOwner(pod.getMetadata().getOwnerReferences(), uid);
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        Volume keys = pod.getSpec().getVolumes().get(0);
        assertThat(keys.getSecret().getSecretName()).isEqualTo("vm-test-builder-1-ssh");
        assertThat(keys.getSecret().getItems()).extracting(i -> i.getKey() + ":" + i.getMode())
                .containsExactly("ssh_host_ed25519_key:256", "ssh_host_ed25519_key.pub:256", "authorized_keys:256");

        Secret secret = client.secrets().inNamespace(ns).withName("vm-test-builder-1-ssh").get();
        assertThat(secret.getData()).containsOnlyKeys(Names.KEY_HOST_PRIVATE, Names.KEY_HOST_PUBLIC,
                Names.KEY_AUTHORIZED_KEYS, Names.KEY_CLIENT_PRIVATE, Names.KEY_CLIENT_PUBLIC);
        assertThat(decode(secret, Names.KEY_AUTHORIZED_KEYS)).isEqualTo(decode(secret, Names.KEY_CLIENT_PUBLIC))
                .startsWith("ssh-ed25519 ");
        assertThat(secret.getMetadata().getLabels()).containsEntry(Names.LABEL_BUILD, "vm-test");
        assertControllerOwner(secret.getMetadata().getOwnerReferences(), uid);

        assertThat(reasonsOfEvents(ns, "vm-test")).contains("Scheduled", "BuilderCreated");

        // the builder pod becomes Ready: said so, but BuilderReady stays False until the SSH check (next issue)
        pod.setStatus(new PodStatusBuilder().withPhase("Running")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .build());
        client.pods().inNamespace(ns).resource(pod).updateStatus();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(condition(get(ns, "vm-test"),
                Names.CONDITION_BUILDER_READY).getMessage()).contains("vm-test-builder-1 is Ready"));
        assertThat(condition(get(ns, "vm-test"), Names.CONDITION_BUILDER_READY).getStatus()).isEqualTo("False");
    }

    @Test
    void repeatedReconcilesAndARestartedProvisionerCreateNothingNew() throws InterruptedException {
        String ns = "restart";
        BuildMachine pool = create(machine(ns, "pool", 2, List.of(X86), List.of(), List.of()));
        create(build(ns, "once", X86, List.of()));
        awaitPhase(ns, "once", NixBuildPhase.Scheduled);
        Secret secret = client.secrets().inNamespace(ns).withName("once-builder-1-ssh").get();
        String podVersion = client.pods().inNamespace(ns).withName("once-builder-1").get().getMetadata()
                .getResourceVersion();

        // the test profile requeues Scheduled builds every 2s: let several reconciles pass
        Thread.sleep(5000);
        // what a restarted operator does first: look the builder up on the API server, not in a cache
        BuilderProvisioner.Provisioned again = provisioner.ensure(get(ns, "once"), pool, 1);

        assertThat(again.created()).isFalse();
        assertThat(again.podName()).isEqualTo("once-builder-1");
        assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.secrets().inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.pods().inNamespace(ns).withName("once-builder-1").get().getMetadata().getResourceVersion())
                .isEqualTo(podVersion);
        assertThat(client.secrets().inNamespace(ns).withName("once-builder-1-ssh").get().getData())
                .as("keys are never regenerated").isEqualTo(secret.getData());
        assertThat(reasonsOfEvents(ns, "once").stream().filter("BuilderCreated"::equals)).hasSize(1);
    }

    @Test
    void unsatisfiableBuildIsUnschedulableWithAPerPoolTableAndOneWarning() throws InterruptedException {
        String ns = "unsat";
        create(machine(ns, "arm", 2, List.of("aarch64-linux"), List.of(), List.of()));
        create(machine(ns, "bench", 2, List.of(X86), List.of(), List.of("benchmark")));
        create(build(ns, "needs-kvm", X86, List.of("kvm")));

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                Optional.ofNullable(condition(get(ns, "needs-kvm"), Names.CONDITION_SCHEDULED))
                        .map(Condition::getReason))
                .contains("Unschedulable"));
        NixBuild build = get(ns, "needs-kvm");
        assertThat(build.getStatus().getPhase()).isEqualTo(NixBuildPhase.Pending);
        assertThat(condition(build, Names.CONDITION_SCHEDULED).getMessage())
                .contains("(x86_64-linux, [kvm])")
                .contains("- arm (").contains("wrong system: lists aarch64-linux")
                .contains("- bench (").contains("missing feature kvm")
                .contains("mandatory feature benchmark not requested");

        Thread.sleep(5000); // several requeues later: still exactly one Warning, and no pod
        List<Event> warnings = events(ns, "needs-kvm").stream().filter(e -> "Unschedulable".equals(e.getReason()))
                .toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getType()).isEqualTo("Warning");
        assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void fullPoolQueuesInFifoOrderAndNeverExceedsMaxBuilders() {
        String ns = "queue";
        create(machine(ns, "small", 1, List.of(X86), List.of(), List.of()));
        create(build(ns, "q1", X86, List.of()));
        awaitPhase(ns, "q1", NixBuildPhase.Scheduled);
        create(build(ns, "q2", X86, List.of()));
        create(build(ns, "q3", X86, List.of()));

        AtomicInteger mostPods = new AtomicInteger();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            mostPods.accumulateAndGet(client.pods().inNamespace(ns).list().getItems().size(), Math::max);
            assertThat(queuePositions(ns)).isEqualTo(Map.of("q2", 1, "q3", 2));
        });
        assertThat(condition(get(ns, "q2"), Names.CONDITION_SCHEDULED).getReason()).isEqualTo("WaitingForCapacity");
        assertThat(condition(get(ns, "q3"), Names.CONDITION_SCHEDULED).getMessage()).contains("position 2");

        // the first build goes away: its pod and Secret are cleaned up, q2 takes the slot, q3 moves up
        client.resources(NixBuild.class).inNamespace(ns).withName("q1").delete();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            mostPods.accumulateAndGet(client.pods().inNamespace(ns).list().getItems().size(), Math::max);
            assertThat(client.pods().inNamespace(ns).withName("q1-builder-1").get()).isNull();
            assertThat(client.secrets().inNamespace(ns).withName("q1-builder-1-ssh").get()).isNull();
            assertThat(get(ns, "q2").getStatus().getPhase()).isEqualTo(NixBuildPhase.Scheduled);
            assertThat(queuePositions(ns)).isEqualTo(Map.of("q3", 1));
        });
        assertThat(mostPods.get()).isEqualTo(1);
        assertThat(client.pods().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName())
                .containsExactly("q2-builder-1");
    }

    @Test
    void parallelBuildsNeverGetMoreBuildersThanMaxBuilders() {
        String ns = "burst";
        create(machine(ns, "pair", 2, List.of(X86), List.of(), List.of()));
        for (int i = 1; i <= 6; i++) {
            create(build(ns, "burst-" + i, X86, List.of()));
        }
        AtomicInteger mostPods = new AtomicInteger();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            mostPods.accumulateAndGet(client.pods().inNamespace(ns).list().getItems().size(), Math::max);
            assertThat(queuePositions(ns).values()).containsExactlyInAnyOrder(1, 2, 3, 4);
        });
        assertThat(mostPods.get()).isEqualTo(2);
        assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(2);
    }

    @Test
    void newOrChangedBuildMachineUnblocksWaitingBuilds() {
        String ns = "unblock";
        create(machine(ns, "plain", 2, List.of(X86), List.of(), List.of()));
        create(build(ns, "big", X86, List.of("big-parallel")));
        create(build(ns, "bench", X86, List.of("benchmark")));
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(reason(get(ns, "big"), Names.CONDITION_SCHEDULED)).isEqualTo("Unschedulable");
            assertThat(reason(get(ns, "bench"), Names.CONDITION_SCHEDULED)).isEqualTo("Unschedulable");
        });

        create(machine(ns, "big-pool", 1, List.of(X86), List.of("big-parallel"), List.of()));
        NixBuild big = awaitPhase(ns, "big", NixBuildPhase.Scheduled);
        assertThat(big.getStatus().getMachine()).isEqualTo("big-pool");
        assertThat(client.pods().inNamespace(ns).withName("big-builder-1").get().getSpec().getNodeSelector())
                .containsEntry("nixpool.dev/big-parallel", "true");

        client.resources(BuildMachine.class).inNamespace(ns).withName("plain")
                .edit(m -> {
                    m.getSpec().setSupportedFeatures(List.of("benchmark"));
                    return m;
                });
        assertThat(awaitPhase(ns, "bench", NixBuildPhase.Scheduled).getStatus().getMachine()).isEqualTo("plain");
    }

    @Test
    void invalidSpecGetsAConditionAndAWarning() {
        String ns = "invalid";
        create(machine(ns, "pool", 1, List.of(X86), List.of(), List.of()));
        NixBuild twoSources = build(ns, "two-sources", X86, List.of());
        twoSources.getSpec().setExpression("(import <nixpkgs> {}).hello");
        create(twoSources);

        await().atMost(TIMEOUT).untilAsserted(
                () -> assertThat(reason(get(ns, "two-sources"), Names.CONDITION_SCHEDULED)).isEqualTo("InvalidSpec"));
        assertThat(condition(get(ns, "two-sources"), Names.CONDITION_SCHEDULED).getMessage())
                .contains("exactly one of spec.derivation, spec.expression or spec.flake must be set, found 2");
        assertThat(reasonsOfEvents(ns, "two-sources")).contains("InvalidSpec");
        assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void buildMachineStatusCountsBuildersAndQueue() {
        String ns = "pool-status";
        create(machine(ns, "one", 1, List.of(X86), List.of(), List.of()));
        create(machine(ns, "broken", 0, List.of(X86), List.of(), List.of()));
        create(build(ns, "first", X86, List.of()));
        awaitPhase(ns, "first", NixBuildPhase.Scheduled);
        create(build(ns, "second", X86, List.of()));

        await().atMost(TIMEOUT).untilAsserted(() -> {
            BuildMachine one = client.resources(BuildMachine.class).inNamespace(ns).withName("one").get();
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

    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T create(T resource) {
        return client.resource(resource).create();
    }

    private NixBuild get(String ns, String name) {
        return client.resources(NixBuild.class).inNamespace(ns).withName(name).get();
    }

    private NixBuild awaitPhase(String ns, String name, NixBuildPhase phase) {
        await().atMost(TIMEOUT).untilAsserted(() -> {
            NixBuild build = get(ns, name);
            assertThat(build.getStatus()).isNotNull();
            assertThat(build.getStatus().getPhase()).isEqualTo(phase);
        });
        return get(ns, name);
    }

    private static Condition condition(NixBuild build, String type) {
        if (build.getStatus() == null) {
            return null;
        }
        return build.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
                .orElse(null);
    }

    /** Null while the condition is not there yet, so that Awaitility keeps waiting on a plain assertion. */
    private static String reason(NixBuild build, String type) {
        return Optional.ofNullable(condition(build, type)).map(Condition::getReason).orElse(null);
    }

    private Map<String, Integer> queuePositions(String ns) {
        return client.resources(NixBuild.class).inNamespace(ns).list().getItems().stream()
                .filter(b -> b.getStatus() != null && b.getStatus().getQueuePosition() != null)
                .collect(Collectors.toMap(b -> b.getMetadata().getName(), b -> b.getStatus().getQueuePosition()));
    }

    private List<Event> events(String ns, String object) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> object.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    private List<String> reasonsOfEvents(String ns, String object) {
        return events(ns, object).stream().map(Event::getReason).toList();
    }

    private static String decode(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void assertControllerOwner(List<OwnerReference> owners, String uid) {
        assertThat(owners).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("NixBuild");
            assertThat(owner.getApiVersion()).isEqualTo("nixpool.dev/v1alpha1");
            assertThat(owner.getUid()).isEqualTo(uid);
            assertThat(owner.getController()).isTrue();
            assertThat(owner.getBlockOwnerDeletion()).isTrue();
        });
    }
}
