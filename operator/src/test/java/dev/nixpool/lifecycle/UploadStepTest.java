package dev.nixpool.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.MockApiServer;
import dev.nixpool.Names;
import dev.nixpool.TestConfig;
import dev.nixpool.TestResources;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.api.v1alpha1.SecretRef;
import dev.nixpool.cache.CacheStoreException;
import dev.nixpool.cache.DaemonStore;
import dev.nixpool.cache.TestKeys;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.cache.NarInfoParser;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.reconcile.KubernetesBuilderResources;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.FakeBuilder;
import dev.nixpool.runner.RunnerExecutorProducer;
import dev.nixpool.runner.RunnerExecutors;
import dev.nixpool.runner.UploadSettings;
import dev.nixpool.status.Conditions;

/**
 * The Uploading step against the Fabric8 mock API server (Secrets, pods) and a real file:// cache, with a test double
 * of the builder: a build with copyTo is Succeeded only once its outputs are in the cache, signed by the operator; a
 * destination that fails through every attempt ends it UploadFailed with the destination's message and which outputs
 * arrived; what the cache has is not sent again; keys stay out of status and Events.
 */
class UploadStepTest {

    private static final String NS = "upload";
    private static final String X86 = "x86_64-linux";

    @TempDir
    Path dir;

    @RegisterExtension
    final MockApiServer api = new MockApiServer();
    private final KubernetesClient client = api.client();
    private final FakeBuilder builder = new FakeBuilder();
    private final ExecutorService executor = RunnerExecutorProducer.threads(2);
    private BuildRunner runner;
    private NixBuildLifecycle lifecycle;
    private NixBuild build;
    private NixBuildStatus status;
    private final List<StepContext.PendingEvent> events = new ArrayList<>();
    private final Instant now = Instant.now();
    private String keyText;
    private Path cache;

    @BeforeEach
    void start() throws Exception {
        NixpoolConfig config = TestConfig.nixpool(Map.of("nixpool.builder.ssh-user", "root"));
        LogStore logs = new LogStore(dir.resolve("logs"), 1_000_000);
        runner = new BuildRunner(builder, logs, executor,
                new UploadSettings(3, Duration.ofMillis(50), Duration.ofMillis(100), dir));
        lifecycle = new LifecycleAssembly(new KubernetesBuilderResources(client), runner, logs,
                config).lifecycle;
        keyText = TestKeys.secretKeyText("test-cache-1");
        client.resource(new SecretBuilder().withNewMetadata().withName("cache-key").withNamespace(NS).endMetadata()
                .withStringData(Map.of("secret", keyText)).build()).create();
        client.resource(TestResources.machine(NS, "pool", 2, List.of(X86), List.of(), List.of())).create();
        cache = dir.resolve("cache");
        NixBuild fresh = TestResources.build(NS, "hello", X86, List.of());
        fresh.getSpec().setDerivation(null);
        fresh.getSpec().setExpression("derivation { }");
        fresh.getSpec().setRetries(0);
        fresh.getSpec().setCopyTo(copyTo("file://" + cache));
        fresh.getMetadata().setUid(UUID.randomUUID().toString());
        fresh.getMetadata().setGeneration(1L);
        fresh.getMetadata().setCreationTimestamp(Conditions.timestamp(now));
        build = fresh;
        status = new NixBuildStatus();
    }

    @AfterEach
    void stop() throws InterruptedException {
        runner.close();
        RunnerExecutors.stop(executor);
    }

    private static CopyTo copyTo(String uri) {
        return new CopyTo(uri, new SecretKeyRef("cache-key", "secret"));
    }

    @Test
    void aBuildWithCopyToSucceedsOnlyOnceItsOutputsAreInTheCacheSignedByTheOperator() throws Exception {
        builder.dumpFailure = FakeBuilder.failure(BuilderFailure.PROTOCOL_ERROR, "the serve channel broke");
        builder.dumpFailures.set(1);
        builder.dumpGate = new CountDownLatch(1);
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Uploading);
        assertThat(condition(Names.CONDITION_UPLOADED).getReason()).isIn("Uploading", "UploadRetrying");
        assertThat(status.getOutputs()).singleElement().satisfies(o -> assertThat(o.getCopiedTo()).isNull());

        await().atMost(FakeBuilder.WAIT).untilAsserted(() -> {
            reconcile();
            assertThat(condition(Names.CONDITION_UPLOADED).getReason()).isEqualTo("UploadRetrying");
        });
        assertThat(condition(Names.CONDITION_UPLOADED).getMessage())
                .startsWith("attempt 1 of 3 failed: the serve channel broke");
        assertThat(status.getPhase()).as("not Succeeded while the upload has not finished")
                .isEqualTo(NixBuildPhase.Uploading);
        Pod kept = client.pods().inNamespace(NS).withName("pool-0-s1").get();
        assertThat(kept).as("the builder is kept").isNotNull();
        assertThat(Serialization.asJson(kept)).as("the builder never gets the signing key Secret")
                .doesNotContain("cache-key");

        builder.dumpGate.countDown();
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(condition(Names.CONDITION_UPLOADED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Uploaded");
            assertThat(c.getMessage()).isEqualTo("copied 1 paths to file://" + cache + ", signed by test-cache-1");
        });
        assertThat(condition(Names.CONDITION_SUCCEEDED).getReason()).isEqualTo("Built");
        assertThat(status.getOutputs()).singleElement().satisfies(o -> {
            assertThat(o.getCopiedTo()).isEqualTo("file://" + cache);
            assertThat(o.getSignedBy()).isEqualTo("test-cache-1");
        });
        NarInfo info = NarInfoParser.parse(Files.readString(cache.resolve(
                NarInfo.key(StorePath.parse(FakeBuilder.OUT)))));
        assertThat(NixSecretKey.parse(keyText).publicKey().verifies(info.fingerprint(), info.sigs().get(0)))
                .as("signed with the Secret's key").isTrue();
        assertThat(Files.readString(cache.resolve("nix-cache-info"))).contains("StoreDir: /nix/store");
        assertThat(client.pods().inNamespace(NS).list().getItems()).as("deleted once the upload ended").isEmpty();
        assertThat(eventReasons()).contains("Uploading", "UploadRetrying", "Built");
        assertNoSecretIn();
    }

    @Test
    void outputsAlreadyInTheCacheAreNotSentAgain() throws Exception {
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(builder.dumps).containsExactly(FakeBuilder.OUT);

        build.getMetadata().setUid(UUID.randomUUID().toString());
        build.getMetadata().setName("again");
        status = new NixBuildStatus();
        reconcile();
        podBecomesReady(status.getBuilder());
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(builder.dumps).as("nothing read or written the second time").containsExactly(FakeBuilder.OUT);
        assertThat(condition(Names.CONDITION_UPLOADED).getMessage())
                .isEqualTo("all 1 paths of the closure were in file://" + cache + " already");
    }

    @Test
    void aDestinationThatKeepsFailingEndsTheBuildUploadFailedWithItsMessage() throws Exception {
        Files.writeString(dir.resolve("not-a-dir"), "a file");
        build.getSpec().setCopyTo(copyTo("file://" + dir.resolve("not-a-dir").resolve("cache")));
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Failed);
        assertThat(condition(Names.CONDITION_SUCCEEDED).getReason()).isEqualTo("UploadFailed");
        assertThat(condition(Names.CONDITION_UPLOADED)).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("UploadFailed");
            assertThat(c.getMessage()).startsWith("copying the outputs to file://" + dir.resolve("not-a-dir")
                    .resolve("cache") + " failed after 3 attempts: ")
                    .contains("not-a-dir")
                    .endsWith("Arrived: none; not arrived: " + FakeBuilder.OUT);
        });
        assertThat(builder.dumps).as("nothing was read: the cache failed first").isEmpty();
        assertThat(eventReasons()).contains("UploadFailed");
        assertNoSecretIn();
    }

    @Test
    void thePoolsCopyToAppliesToBuildsWithoutTheirOwn() throws Exception {
        build.getSpec().setCopyTo(null);
        BuildMachine machine = client.resources(BuildMachine.class).inNamespace(NS).withName("pool").get();
        machine.getSpec().setCopyTo(copyTo("file://" + cache + "?compression=zstd"));
        client.resource(machine).update();
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Succeeded);
        NarInfo info = NarInfoParser.parse(Files.readString(cache.resolve(
                NarInfo.key(StorePath.parse(FakeBuilder.OUT)))));
        assertThat(info.compression()).isEqualTo("zstd");
        assertThat(status.getOutputs().get(0).getCopiedTo()).isEqualTo("file://" + cache + "?compression=zstd");
    }

    /**
     * ssh://: another Nix store, logged into with the credentials Secret's key and its host key pinned (here the test
     * double answers for it too); each missing path is added with the operator's signature in its path info.
     */
    @Test
    void anSshStoreDestinationGetsThePathsSignedOverTheServeProtocol() throws Exception {
        client.resource(new SecretBuilder().withNewMetadata().withName("store-ssh").withNamespace(NS).endMetadata()
                .withStringData(Map.of("sshPrivateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n",
                        "sshHostKey", "ssh-ed25519 AAAAfakehostkey store"))
                .build()).create();
        build.getSpec().setCopyTo(copyTo("ssh://nix@127.0.0.99:2200"));
        build.getSpec().getCopyTo().setCredentialsSecretRef(new SecretRef("store-ssh"));
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(builder.opened).extracting(a -> a.user() + "@" + a.host() + ":" + a.port())
                .contains("nix@127.0.0.99:2200");
        assertThat(builder.added).containsOnlyKeys(FakeBuilder.OUT);
        ValidPathInfo added = builder.added.get(FakeBuilder.OUT);
        assertThat(builder.addedNars.get(FakeBuilder.OUT)).isEqualTo(FakeBuilder.nar(FakeBuilder.OUT));
        String fingerprint = "1;" + FakeBuilder.OUT + ";" + added.narHash().toPrefixedNix32() + ";" + added.narSize()
                + ";";
        assertThat(added.sigs()).singleElement().satisfies(
                sig -> assertThat(NixSecretKey.parse(keyText).publicKey().verifies(fingerprint, sig)).isTrue());
        assertThat(status.getOutputs().get(0).getCopiedTo()).isEqualTo("ssh://nix@127.0.0.99:2200");
        assertNoSecretIn();
        assertThat(Serialization.asJson(status)).doesNotContain("fakehostkey").doesNotContain("OPENSSH");

        build.getMetadata().setUid(UUID.randomUUID().toString());
        status = new NixBuildStatus();
        reconcile();
        podBecomesReady(status.getBuilder());
        reconcileUntil(NixBuildPhase.Succeeded);
        assertThat(condition(Names.CONDITION_UPLOADED).getMessage())
                .isEqualTo("all 1 paths of the closure were in ssh://nix@127.0.0.99:2200 already");
    }

    /** ssh-ng://: the runner's daemon client (a fake store in memory here) gets the closure, signed. */
    @Test
    void anSshNgDestinationGetsThePathsSignedThroughItsDaemon() throws Exception {
        sshSecret();
        Map<StorePath, ValidPathInfo> daemon = new ConcurrentHashMap<>();
        List<String> opened = new CopyOnWriteArrayList<>();
        runner.useDaemonStores(destination -> {
            opened.add(destination.uri() + " as " + destination.sshCredentials().hostPublicKey());
            return new MemoryDaemonStore(daemon, null);
        });
        build.getSpec().setCopyTo(copyTo("ssh-ng://nix@127.0.0.99:2200"));
        build.getSpec().getCopyTo().setCredentialsSecretRef(new SecretRef("store-ssh"));
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Succeeded);

        assertThat(opened).first().isEqualTo("ssh-ng://nix@127.0.0.99:2200 as ssh-ed25519 AAAAfakehostkey store");
        ValidPathInfo added = daemon.get(StorePath.parse(FakeBuilder.OUT));
        String fingerprint = "1;" + FakeBuilder.OUT + ";" + added.narHash().toPrefixedNix32() + ";" + added.narSize()
                + ";";
        assertThat(added.sigs()).singleElement().satisfies(
                sig -> assertThat(NixSecretKey.parse(keyText).publicKey().verifies(fingerprint, sig)).isTrue());
        assertThat(status.getOutputs().get(0).getCopiedTo()).isEqualTo("ssh-ng://nix@127.0.0.99:2200");
        assertThat(condition(Names.CONDITION_UPLOADED).getMessage())
                .isEqualTo("copied 1 paths to ssh-ng://nix@127.0.0.99:2200, signed by test-cache-1");
        assertNoSecretIn();
        assertThat(Serialization.asJson(status)).doesNotContain("fakehostkey").doesNotContain("OPENSSH");
    }

    @Test
    void anSshNgStoreThatRefusesThePathsEndsUploadFailedWithItsMessage() throws Exception {
        sshSecret();
        String refusal = "ssh-ng://nix@127.0.0.99:2200 refused adding " + FakeBuilder.OUT + ": cannot add path '"
                + FakeBuilder.OUT + "' because it lacks a valid signature";
        runner.useDaemonStores(destination -> new MemoryDaemonStore(new ConcurrentHashMap<>(), refusal));
        build.getSpec().setCopyTo(copyTo("ssh-ng://nix@127.0.0.99:2200"));
        build.getSpec().getCopyTo().setCredentialsSecretRef(new SecretRef("store-ssh"));
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Failed);
        assertThat(condition(Names.CONDITION_SUCCEEDED).getReason()).isEqualTo("UploadFailed");
        assertThat(condition(Names.CONDITION_UPLOADED).getMessage()).contains("failed after 3 attempts")
                .contains(refusal).endsWith("Arrived: none; not arrived: " + FakeBuilder.OUT);
    }

    private void sshSecret() {
        client.resource(new SecretBuilder().withNewMetadata().withName("store-ssh").withNamespace(NS).endMetadata()
                .withStringData(Map.of("sshPrivateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n",
                        "sshHostKey", "ssh-ed25519 AAAAfakehostkey store"))
                .build()).create();
    }

    /** A daemon's store in memory: it keeps what it is given, or refuses every path with {@code refusal}. */
    private record MemoryDaemonStore(Map<StorePath, ValidPathInfo> paths, String refusal) implements DaemonStore {

        @Override
        public Set<StorePath> valid(Collection<StorePath> asked) {
            return asked.stream().filter(paths::containsKey).collect(Collectors.toSet());
        }

        @Override
        public void add(ValidPathInfo info, InputStream nar) throws IOException {
            if (refusal != null) {
                throw new CacheStoreException(refusal);
            }
            byte[] bytes = nar.readNBytes((int) info.narSize());
            assertThat(NixHash.sha256Of(bytes)).isEqualTo(info.narHash());
            paths.put(info.path(), info);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aMissingSigningKeyOrCredentialsSecretFailsTheBuildNamingIt() throws Exception {
        build.getSpec().getCopyTo().setSigningKeySecretRef(new SecretKeyRef("cache-key", "nope"));
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Failed);
        assertThat(condition(Names.CONDITION_UPLOADED).getMessage()).isEqualTo("cannot copy to file://" + cache
                + ": the signing key Secret cache-key has no entry 'nope' (or does not exist in namespace upload)");
        assertThat(builder.dumps).isEmpty();
    }

    @Test
    void s3WithoutItsCredentialsSecretIsRefusedBeforeAnyUpload() throws Exception {
        build.getSpec().setCopyTo(copyTo("s3://bucket?region=eu-west-1"));
        build.getSpec().getCopyTo().setCredentialsSecretRef(new SecretRef("s3-creds"));
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Failed);
        assertThat(condition(Names.CONDITION_UPLOADED).getMessage())
                .isEqualTo("cannot copy to s3://bucket?region=eu-west-1: the credentials Secret s3-creds does not"
                        + " exist in namespace upload");
    }

    @Test
    void aBuilderLostDuringTheUploadIsALostBuilder() {
        builder.dumpGate = new CountDownLatch(1);
        build.getSpec().setRetries(1);
        reconcile();
        podBecomesReady("pool-0-s1");
        reconcileUntil(NixBuildPhase.Uploading);
        client.pods().inNamespace(NS).withName("pool-0-s1").delete();
        reconcile();
        assertThat(status.getPhase()).isEqualTo(NixBuildPhase.Pending);
        assertThat(condition(Names.CONDITION_BUILDER_READY).getMessage())
                .startsWith("builder pod pool-0-s1 no longer exists before the build's outputs were copied");
        assertThat(status.getOutputs()).isEmpty();
    }

    private void assertNoSecretIn() {
        String base64 = keyText.substring(keyText.indexOf(':') + 1);
        assertThat(Serialization.asJson(status)).doesNotContain(base64);
        assertThat(events).allSatisfy(e -> assertThat(e.message()).doesNotContain(base64));
    }

    private StepOutcome reconcile() {
        StepContext context = new StepContext(build, status, view(), now);
        StepOutcome outcome = lifecycle.run(context);
        events.addAll(context.events());
        return outcome;
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

    private Condition condition(String type) {
        return Conditions.find(status.getConditions(), type).orElseThrow();
    }

    private List<String> eventReasons() {
        return events.stream().map(e -> e.reason().value()).toList();
    }
}
