package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.MockApiServer;
import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildOrigin;
import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.cache.TestKeys;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.cache.NarInfoParser;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.reconcile.KubernetesBuilderResources;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.runner.AttachedRun;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.FakeBuilder;
import dev.nixpool.runner.RunRequest;
import dev.nixpool.runner.RunnerExecutorProducer;
import dev.nixpool.runner.RunnerExecutors;
import dev.nixpool.status.Conditions;

/**
 * A build the gateway created for a Nix client: the operator queues and places it like any other, and when its builder
 * is Ready it hands the run to the client's connection (the registered driver) instead of connecting itself. The
 * driver's reports move the build on; its end frees the builder.
 */
class GatewayHandOffTest {

    private static final String NS = "gw";
    private static final String X86 = "x86_64-linux";
    private static final String OUT = "/nix/store/7s3dvqjyd8qq2fdmbb8jl4nnx0hvg0gr-hello";

    @TempDir
    Path logDir;

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();
    private final FakeBuilder builder = new FakeBuilder();
    private final java.util.concurrent.ExecutorService executor = RunnerExecutorProducer.threads(2);
    private BuildRunner runner;
    private LifecycleAssembly assembly;
    private NixBuild build;
    private NixBuildStatus status;
    private final Instant now = Instant.now();

    @BeforeEach
    void start() {
        NixpoolConfig config = TestConfig.nixpool(Map.of("nixpool.builder.ssh-user", "root"));
        LogStore logs = new LogStore(logDir, 1_000_000);
        runner = new BuildRunner(builder, logs, executor);
        assembly = new LifecycleAssembly(new KubernetesBuilderResources(client), runner, logs, config);
        client.resource(TestResources.machine(NS, "pool", 2, List.of(X86), List.of(), List.of())).create();
        build = TestResources.build(NS, "gw-pool-abc", X86, List.of());
        build.getSpec().setRetries(0);
        build.getSpec().setMachine("pool");
        build.getMetadata().setLabels(Map.of(BuildOrigin.LABEL, BuildOrigin.GATEWAY, BuildOrigin.CLIENT_KEY_LABEL,
                "alice"));
        build.getMetadata().setUid(UUID.randomUUID().toString());
        build.getMetadata().setGeneration(1L);
        build.getMetadata().setCreationTimestamp(Conditions.timestamp(now));
        status = new NixBuildStatus();
    }

    @AfterEach
    void stop() throws InterruptedException {
        runner.close();
        RunnerExecutors.stop(executor);
    }

    private record Handed(RunRequest request, AttachedRun run) {
    }

    @Test
    void theClientConnectionDrivesTheBuildOnTheAssignedBuilderAndItsEndFreesTheBuilder() {
        AtomicReference<Handed> handed = new AtomicReference<>();
        assembly.attached.register(NS, "gw-pool-abc", (request, run) -> handed.set(new Handed(request, run)));

        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Scheduled);
        podBecomesReady("pool-0-s1");
        reconcile();

        assertThat(handed.get()).as("handed to the client's connection").isNotNull();
        assertThat(handed.get().request().address().host()).isEqualTo("127.0.0.77");
        assertThat(handed.get().request().credentials().clientPrivateKey()).isNotBlank();
        assertThat(builder.opened).as("the operator never connects for a gateway build").isEmpty();

        AttachedRun run = handed.get().run();
        run.connected("serve protocol 2.7, host key SHA256:gw");
        reconcileUntil(NixBuildPhase.Building);
        run.derivation(TestResources.DRV);
        run.line("building '" + TestResources.DRV + "'...");
        run.completed(new BuildResult(BuildStatus.BUILT, "", 1, false, 1, 2, Map.of()),
                List.of(new BuildOutput("out", OUT, "sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
                        120L)));
        reconcileUntil(NixBuildPhase.Succeeded);

        assertThat(status.getDerivation()).isEqualTo(TestResources.DRV);
        assertThat(status.getBuildStatus()).isEqualTo("Built");
        assertThat(status.getOutputs()).singleElement().satisfies(o -> assertThat(o.getPath()).isEqualTo(OUT));
        assertThat(status.getLogTail()).contains("building '" + TestResources.DRV + "'...");
        assertThat(Conditions.find(status.getConditions(), Names.CONDITION_BUILDER_READY).orElseThrow().getMessage())
                .contains("serve protocol 2.7, host key SHA256:gw");
        assertThat(client.pods().inNamespace(NS).list().getItems()).as("the ephemeral builder is gone").isEmpty();
        assertThat(builder.opened).isEmpty();
    }

    /**
     * A team cache fills as people build: a gateway build of a pool with a copyTo uploads its outputs once the client's
     * connection has ended, from the builder it ran on, which is kept until the upload is done.
     */
    @Test
    void aGatewayBuildFillsItsPoolsCopyToBeforeItsBuilderIsFreed() throws Exception {
        String keyText = TestKeys.secretKeyText("team-cache-1");
        client.resource(new SecretBuilder().withNewMetadata().withName("cache-key").withNamespace(NS).endMetadata()
                .withStringData(Map.of("secret", keyText)).build()).create();
        Path cache = logDir.resolve("team-cache");
        BuildMachine pool = client.resources(BuildMachine.class).inNamespace(NS).withName("pool").get();
        pool.getSpec().setCopyTo(new CopyTo("file://" + cache, new SecretKeyRef("cache-key", "secret")));
        client.resource(pool).update();
        builder.dumpGate = new CountDownLatch(1);
        AtomicReference<Handed> handed = new AtomicReference<>();
        assembly.attached.register(NS, "gw-pool-abc", (request, run) -> handed.set(new Handed(request, run)));
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcile();
        AttachedRun run = handed.get().run();
        run.connected("serve protocol 2.7, host key SHA256:gw");
        reconcileUntil(NixBuildPhase.Building);
        assertThat(builder.opened).as("the operator does not connect while the client builds").isEmpty();

        // the client's connection ended: Nix's verdict, and the outputs are on the builder
        run.completed(new BuildResult(BuildStatus.BUILT, "", 1, false, 1, 2, Map.of()),
                List.of(new BuildOutput("out", FakeBuilder.OUT, "sha256:" + "0".repeat(52), 120L)));
        reconcileUntil(NixBuildPhase.Uploading);
        assertThat(Conditions.find(status.getConditions(), Names.CONDITION_UPLOADED).orElseThrow().getReason())
                .isEqualTo("Uploading");
        assertThat(client.pods().inNamespace(NS).withName("pool-0-s1").get()).as("the builder is kept").isNotNull();

        builder.dumpGate.countDown();
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(builder.dumps).containsExactly(FakeBuilder.OUT);
        assertThat(builder.opened).extracting(BuilderAddress::host).as("the upload read the builder the client used")
                .containsOnly("127.0.0.77");
        assertThat(status.getOutputs()).singleElement().satisfies(o -> {
            assertThat(o.getCopiedTo()).isEqualTo("file://" + cache);
            assertThat(o.getSignedBy()).isEqualTo("team-cache-1");
        });
        assertThat(Conditions.find(status.getConditions(), Names.CONDITION_UPLOADED).orElseThrow().getMessage())
                .isEqualTo("copied 1 paths to file://" + cache + ", signed by team-cache-1");
        NarInfo info = NarInfoParser.parse(Files.readString(cache.resolve(
                NarInfo.key(StorePath.parse(FakeBuilder.OUT)))));
        assertThat(NixSecretKey.parse(keyText).publicKey().verifies(info.fingerprint(), info.sigs().get(0))).isTrue();
        assertThat(client.pods().inNamespace(NS).list().getItems()).as("freed once the upload ended").isEmpty();
    }

    @Test
    void aGatewayBuildWhoseClientIsGoneFailsWhenItsBuilderIsReadyInsteadOfRunningWithoutIt() {
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Failed);

        assertThat(Conditions.find(status.getConditions(), Names.CONDITION_SUCCEEDED).orElseThrow())
                .satisfies(c -> {
                    assertThat(c.getReason()).isEqualTo("Cancelled");
                    assertThat(c.getMessage()).contains("no longer connected");
                });
        assertThat(builder.opened).isEmpty();
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void aBuilderLostMidBuildStopsTheClientsWorkAndTheBuildFailsWithoutRetry() {
        AtomicReference<Handed> handed = new AtomicReference<>();
        AtomicBoolean stopped = new AtomicBoolean();
        assembly.attached.register(NS, "gw-pool-abc", (request, run) -> {
            run.onCancel(() -> stopped.set(true));
            handed.set(new Handed(request, run));
        });
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcile();
        handed.get().run().connected("serve protocol 2.7, host key SHA256:gw");
        reconcileUntil(NixBuildPhase.Building);

        client.pods().inNamespace(NS).withName("pool-0-s1").delete();
        reconcileUntil(NixBuildPhase.Failed);

        assertThat(stopped).as("the connection was told to stop").isTrue();
        assertThat(Conditions.find(status.getConditions(), Names.CONDITION_SUCCEEDED).orElseThrow().getMessage())
                .contains("pool-0-s1");
    }

    private void reconcile() {
        StepContext context = new StepContext(build, status, view(), now);
        assembly.lifecycle.run(context);
    }

    private void reconcileUntil(NixBuildPhase phase) {
        await().atMost(FakeBuilder.SETTLE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            reconcile();
            assertThat(status.getPhase()).as(() -> "phase, with conditions " + status.getConditions().stream()
                    .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason() + ": " + c.getMessage())
                    .toList()).isEqualTo(phase);
        });
    }

    private void podBecomesReady(String podName) {
        Pod pod = client.pods().inNamespace(NS).withName(podName).get();
        pod.setStatus(new PodStatusBuilder().withPhase("Running").withPodIP("127.0.0.77")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .build());
        client.pods().inNamespace(NS).resource(pod).updateStatus();
    }

    private ClusterView view() {
        return new ClusterView() {
            @Override
            public ClusterSnapshot snapshot(String namespace) {
                Map<String, ClusterSnapshot.Claim> claims = new HashMap<>();
                if (!Transitions.phaseOf(status).isFinal() && status.getMachine() != null) {
                    claims.put(SchedulingInputs.key(build),
                            new ClusterSnapshot.Claim(status.getMachine(), status.getBuilder()));
                }
                return new ClusterSnapshot(client.resources(BuildMachine.class).inNamespace(NS).list().getItems(),
                        claims, client.pods().inNamespace(namespace).list().getItems(), Set.of(), List.of());
            }

            @Override
            public Optional<Pod> builderPod(String namespace, String name) {
                return Optional.empty();
            }
        };
    }
}
