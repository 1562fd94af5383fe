package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.wire.WireWriter;

/**
 * Uploads of a named pool's client stream into the builder its build will likely get, while they are spooled: the
 * build that lands there finds its inputs in place, one that lands elsewhere gets them replayed from the spool, and
 * nothing about the early builder can fail or hold up the client.
 */
class EarlyBuilderTest {

    private static final String PATH = "/nix/store/00000000000000000000000000000000-input";
    private static final String DRV = "/nix/store/11111111111111111111111111111111-t.drv";
    private static final ClientIdentity CLIENT = new ClientIdentity("alice", "SHA256:abc");
    private static final BuilderLease A = new BuilderLease("ns/small-0", "127.0.0.10", 22, "nixpool", "key", "hostA");
    private static final BuilderLease B = new BuilderLease("ns/small-1", "127.0.0.11", 22, "nixpool", "key", "hostB");
    private static final byte[] NAR = "the input's nar".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private final ExecutorService dials = Executors.newCachedThreadPool();
    private final StoreBuilders builders = new StoreBuilders();
    private final SpoolQuota quota = new SpoolQuota(1 << 20);
    private final ByteArrayOutputStream stderrBytes = new ByteArrayOutputStream();

    @AfterEach
    void stop() {
        dials.shutdownNow();
    }

    private record Client(PipedOutputStream input, CompletableFuture<Integer> status, ClientEndpoint endpoint) {
    }

    private Client connect(FakeBroker broker, String user) throws IOException {
        PipedOutputStream input = new PipedOutputStream();
        InputStream fromClient = new PipedInputStream(input, 1 << 16);
        GatewayLimits limits = new GatewayLimits(tmp.resolve("spool"), 1 << 20, 1 << 20, 16, 1 << 16, 4,
                Duration.ofMinutes(1));
        ClientStderr stderr = new ClientStderr(stderrBytes, "test-stderr");
        BuilderSession session = new BuilderSession(CLIENT, user, broker, builders,
                new InputSpool(tmp.resolve("spool/c1"), 1 << 20, 16, quota), dials);
        ServeEndpoint endpoint = new ServeEndpoint(session, limits, stderr);
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
            int code = endpoint.serve(fromClient, new ByteArrayOutputStream());
            stderr.close();
            return code;
        });
        return new Client(input, status, endpoint);
    }

    private static byte[] handshakeAndUpload() throws IOException {
        return handshakeAndUpload(NixHash.sha256Of(NAR));
    }

    private static byte[] handshakeAndUpload(NixHash declared) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WireWriter w = new WireWriter(bytes).writeU64(ServeProtocol.MAGIC_1).writeU64(0x207);
        w.writeU64(ServeProtocol.CMD_ADD_TO_STORE_NAR).writeString(PATH).writeString("")
                .writeString(declared.toBase16()).writeStrings(List.of()).writeU64(0)
                .writeU64(NAR.length).writeBool(false).writeStrings(List.of()).writeString("");
        w.flush();
        bytes.write(NAR);
        return bytes.toByteArray();
    }

    private static byte[] buildDerivation() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WireWriter w = new WireWriter(bytes).writeU64(ServeProtocol.CMD_BUILD_DERIVATION).writeString(DRV);
        TreeMap<String, DerivationOutput> outputs = new TreeMap<>();
        outputs.put("out", new DerivationOutput("/nix/store/22222222222222222222222222222222-t", "", ""));
        BasicDerivationCodec.write(w, new Derivation(outputs, new TreeMap<>(), new TreeSet<>(List.of(PATH)),
                "x86_64-linux", "/bin/sh", List.of("-c", "echo > $out"), new TreeMap<>(Map.of())));
        BuildOptions o = BuildOptions.DEFAULTS;
        w.writeU64(o.maxSilentTime()).writeU64(o.buildTimeout()).writeU64(o.maxLogSize()).writeU64(o.nrRepeats())
                .writeBool(o.enforceDeterminism()).writeBool(o.keepFailed());
        w.flush();
        return bytes.toByteArray();
    }

    private int finish(Client client) throws Exception {
        client.input().write(buildDerivation());
        client.input().close();
        return client.status().get(10, TimeUnit.SECONDS);
    }

    @Test
    void anUploadReachesTheLikelyBuilderBeforeTheBuildIsQueuedAndTheBuildThereReusesItsLink() throws Exception {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A).leaseImmediately(A);
        Client client = connect(broker, "small");
        client.input().write(handshakeAndUpload());
        client.input().flush();

        await().atMost(Duration.ofSeconds(10)).until(() -> builders.store(A.host()).received.contains(PATH));
        assertThat(broker.tickets).as("streamed while the client uploads, before BuildDerivation").isEmpty();
        assertThat(broker.likelyAsked).extracting(PoolRoute::pool).containsExactly("small");

        assertThat(finish(client)).isZero();
        StoreBuilders.Store a = builders.store(A.host());
        assertThat(a.built).containsExactly(DRV);
        assertThat(a.received).as("nothing left to replay").containsExactly(PATH);
        assertThat(a.dials.get()).as("the build used the early link").isEqualTo(1);
        assertThat(a.open.get()).as("closed with the connection").isZero();
        assertThat(broker.tickets.get(0).log).anySatisfy(line -> assertThat(line).contains(
                "0 of 1 uploaded paths copied to the builder, 1 already there (1 streamed to it while the client"));
        assertThat(quota.used()).isZero();
    }

    @Test
    void aBuildPlacedOnAnotherBuilderGetsTheSpooledInputsReplayedAndTheEarlyLinkIsClosed() throws Exception {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A).leaseImmediately(B);
        Client client = connect(broker, "small");
        client.input().write(handshakeAndUpload());

        assertThat(finish(client)).isZero();
        StoreBuilders.Store a = builders.store(A.host());
        StoreBuilders.Store b = builders.store(B.host());
        assertThat(a.received).containsExactly(PATH);
        assertThat(a.built).isEmpty();
        assertThat(a.open.get()).isZero();
        assertThat(b.received).as("replayed from the spool").containsExactly(PATH);
        assertThat(b.built).containsExactly(DRV);
        assertThat(b.open.get()).isZero();
    }

    @Test
    void aBuildPlacedOnTheLikelyBuilderWhileItsLoginIsStillGoingOnWaitsForThatLoginInsteadOfAnother() throws Exception {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A).leaseImmediately(A);
        CountDownLatch login = new CountDownLatch(1);
        builders.store(A.host()).loginGate = login;
        Client client = connect(broker, "small");
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        new WireWriter(first).writeU64(ServeProtocol.MAGIC_1).writeU64(0x207)
                .writeU64(ServeProtocol.CMD_QUERY_VALID_PATHS).writeBool(false).writeBool(false)
                .writeStrings(List.of()).flush();
        client.input().write(first.toByteArray());
        client.input().flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> builders.store(A.host()).dials.get() == 1);

        client.input().write(buildDerivation());
        client.input().close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !broker.tickets.isEmpty());
        login.countDown();

        assertThat(client.status().get(10, TimeUnit.SECONDS)).as(stderrBytes.toString(StandardCharsets.UTF_8))
                .isZero();
        StoreBuilders.Store a = builders.store(A.host());
        assertThat(a.built).containsExactly(DRV);
        assertThat(a.dials.get()).as("the build used the early login").isEqualTo(1);
        assertThat(a.open.get()).isZero();
    }

    @Test
    void aLikelyBuilderLostMidUploadIsGivenUpAndTheClientNeverSeesIt() throws Exception {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A).leaseImmediately(A);
        builders.store(A.host()).breakOnUpload = true;
        Client client = connect(broker, "small");
        client.input().write(handshakeAndUpload());
        client.input().flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> builders.store(A.host()).dials.get() == 1);
        builders.store(A.host()).breakOnUpload = false;

        assertThat(finish(client)).as(stderrBytes.toString(StandardCharsets.UTF_8)).isZero();
        StoreBuilders.Store a = builders.store(A.host());
        assertThat(a.dials.get()).as("given up, then dialed afresh for the build").isEqualTo(2);
        assertThat(a.received).as("replayed from the spool").containsExactly(PATH);
        assertThat(a.built).containsExactly(DRV);
        assertThat(a.open.get()).isZero();
    }

    @Test
    void aNarNotOfItsDeclaredHashIsRefusedByTheLikelyBuilderAndThenByTheGatewayAndNotKept() throws Exception {
        // the gateway leaves the hash of a NAR streamed to a builder to the builder's Nix; when that refuses it, the
        // spooled copy is hashed and refused as without an early builder
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A).leaseImmediately(A);
        Client client = connect(broker, "small");
        client.input().write(handshakeAndUpload(NixHash.sha256Of(new byte[]{1})));
        client.input().close();

        assertThat(client.status().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(stderrBytes.toString(StandardCharsets.UTF_8))
                .contains("hash mismatch importing path '" + PATH + "'");
        StoreBuilders.Store a = builders.store(A.host());
        assertThat(a.refused).containsExactly(PATH);
        assertThat(a.paths).isEmpty();
        assertThat(broker.tickets).as("no build queued").isEmpty();
        assertThat(quota.used()).isZero();
    }

    @Test
    void autoAndAHandshakeAloneDialNoEarlyBuilder() throws Exception {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A).leaseImmediately(A);
        Client auto = connect(broker, "auto");
        auto.input().write(handshakeAndUpload());
        assertThat(finish(auto)).isZero();
        assertThat(builders.store(A.host()).received).as("replayed after BuildDerivation").containsExactly(PATH);

        Client ping = connect(broker, "small");
        ping.input().write(pingBytes());
        ping.input().close();
        assertThat(ping.status().get(10, TimeUnit.SECONDS)).isZero();

        assertThat(broker.likelyAsked).as("neither asks for a likely builder").isEmpty();
        assertThat(builders.store(A.host()).dials.get()).isEqualTo(1);
    }

    @Test
    void aClientHangingUpWhileStreamingClosesTheEarlyLink() throws Exception {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A);
        Client client = connect(broker, "small");
        client.input().write(handshakeAndUpload());
        client.input().flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> builders.store(A.host()).received.contains(PATH));
        assertThat(builders.store(A.host()).open.get()).isEqualTo(1);

        client.endpoint().abort();
        client.input().close();

        client.status().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> builders.store(A.host()).open.get() == 0);
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void sshNgUploadsOfNix28sRecordedBuildStreamToTheLikelyBuilder() throws Exception {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small")).likely(A).leaseImmediately(A);
        GatewayLimits limits = new GatewayLimits(tmp.resolve("spool"), 1 << 20, 1 << 20, 16, 1 << 20, 4,
                Duration.ofMinutes(1));
        ClientStderr stderr = new ClientStderr(stderrBytes, "test-stderr");
        BuilderSession session = new BuilderSession(CLIENT, "small", broker, builders,
                new InputSpool(tmp.resolve("spool/c1"), 1 << 20, 16, quota), dials);
        byte[] recorded;
        try (InputStream in = getClass().getResourceAsStream("/nix-2.8-ssh-ng/build.client.bin")) {
            recorded = in.readAllBytes();
        }

        new WorkerEndpoint(session, limits, stderr).serve(new java.io.ByteArrayInputStream(recorded),
                new ByteArrayOutputStream());
        stderr.close();

        StoreBuilders.Store a = builders.store(A.host());
        assertThat(a.built).containsExactly("/nix/store/3k548x1d9182kcx2xrgzxjaa74lgh4p5-rec-main.drv");
        assertThat(a.received).as("AddMultipleToStore streamed, nothing replayed").hasSize(1);
        assertThat(a.dials.get()).isEqualTo(1);
        assertThat(a.open.get()).isZero();
    }

    @Test
    void theSameBuilderIsTheSameHostPortUserAndHostKey() {
        assertThat(EarlyBuilder.sameBuilder(A, new BuilderLease("other name", A.host(), 22, "nixpool", "k2",
                "hostA\n"))).isTrue();
        assertThat(EarlyBuilder.sameBuilder(A, new BuilderLease(A.builderName(), A.host(), 22, "nixpool", "key",
                "a new pod's key"))).as("a new pod at the same address").isFalse();
        assertThat(EarlyBuilder.sameBuilder(A, B)).isFalse();
    }

    private static byte[] pingBytes() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new WireWriter(bytes).writeU64(ServeProtocol.MAGIC_1).writeU64(0x207).flush();
        return bytes.toByteArray();
    }
}
