package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/** The client-facing serve endpoint under hostile and odd input: typed errors, bounded memory and disk, no hang. */
class ServeEndpointTest {

    private static final String PATH = "/nix/store/00000000000000000000000000000000-input";
    private static final String DRV = "/nix/store/11111111111111111111111111111111-t.drv";
    private static final ClientIdentity CLIENT = new ClientIdentity("alice", "SHA256:abc");

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderrBytes = new ByteArrayOutputStream();
    private SpoolQuota quota = new SpoolQuota(1 << 20);

    private GatewayLimits limits(long maxSpool, long maxRequest) {
        return new GatewayLimits(tmp.resolve("spool"), maxSpool, 1 << 20, 16, maxRequest, 4, Duration.ofMinutes(1));
    }

    private record Served(int status, String stderr, byte[] stdout) {
    }

    private Served serve(FakeBroker broker, String user, GatewayLimits limits, byte[] input) {
        ClientStderr stderr = new ClientStderr(stderrBytes, "test-stderr");
        InputSpool spool = new InputSpool(limits.spoolDir().resolve("c1"), limits.maxSpoolBytes(),
                limits.maxSpoolPaths(), quota);
        ServeEndpoint endpoint = new ServeEndpoint(CLIENT, user, broker, (lease, lines) -> {
            throw new BrokerException("no builders in this test");
        }, spool, limits, stderr);
        int status = endpoint.serve(new ByteArrayInputStream(input), stdout);
        stderr.close();
        return new Served(status, stderrBytes.toString(StandardCharsets.UTF_8), stdout.toByteArray());
    }

    private static WireWriter handshake(ByteArrayOutputStream bytes) throws IOException {
        return new WireWriter(bytes).writeU64(ServeProtocol.MAGIC_1).writeU64(0x207);
    }

    @Test
    void answersTheHandshakeWithoutQueueingABuild() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in);
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"));
        Served served = serve(broker, "small", limits(1024, 4096), in.toByteArray());

        assertThat(served.status()).isZero();
        WireReader reply = new WireReader(new ByteArrayInputStream(served.stdout()));
        assertThat(reply.readU64("magic")).isEqualTo(ServeProtocol.MAGIC_2);
        assertThat(reply.readU64("version")).isEqualTo(0x207);
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void anUnknownPoolIsRefusedNamingThePoolsTheKeyMayUse() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "large", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("error: no pool 'large' that key alice may use")
                .contains("ns/small").contains("'auto'");
        assertThat(served.stdout()).isEmpty();
    }

    @Test
    void aStreamThatIsNotTheServeProtocolIsAProtocolMismatch() {
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                "SSH-2.0-hello\r\nmore".getBytes(StandardCharsets.US_ASCII));

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("error: ").contains("magic");
    }

    @Test
    void anOverlongStringLengthIsATypedErrorNotAnAllocation() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in).writeU64(ServeProtocol.CMD_QUERY_VALID_PATHS).writeBool(false).writeBool(false).writeU64(1)
                .writeU64(Long.MAX_VALUE);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("error: expected path to check[0] of at most 512 bytes");
    }

    @Test
    void aTruncatedRequestEndsTheConnection() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in).writeU64(ServeProtocol.CMD_QUERY_VALID_PATHS).writeBool(false);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("stream ended while reading substitute");
    }

    @Test
    void unknownAndUnsupportedCommandsAreRefused() throws IOException {
        ByteArrayOutputStream unknown = new ByteArrayOutputStream();
        handshake(unknown).writeU64(77);
        assertThat(serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                unknown.toByteArray()).stderr()).contains("error: unknown serve command 77");

        stderrBytes.reset();
        stdout.reset();
        ByteArrayOutputStream buildPaths = new ByteArrayOutputStream();
        handshake(buildPaths).writeU64(ServeProtocol.CMD_BUILD_PATHS);
        assertThat(serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                buildPaths.toByteArray()).stderr()).contains("does not serve command 6");
    }

    @Test
    void anUploadOverTheSpoolLimitIsRefusedBeforeItsBytesAreRead() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        byte[] nar = new byte[2048];
        addToStoreNar(handshake(in), PATH, NixHash.sha256Of(nar), nar.length);
        in.write(nar);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("would exceed the gateway's limit of 1024 bytes");
        assertThat(quota.used()).isZero();
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void anUploadWhoseHashIsNotTheDeclaredOneIsRefusedAndNotKept() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        byte[] nar = "not the declared contents".getBytes(StandardCharsets.US_ASCII);
        addToStoreNar(handshake(in), PATH, NixHash.sha256Of(new byte[]{1}), nar.length);
        in.write(nar);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("hash mismatch importing path '" + PATH + "'");
        assertThat(quota.used()).isZero();
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void uploadedPathsAreValidUntilTheConnectionEndsAndThenDeleted() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        byte[] nar = "a nar".getBytes(StandardCharsets.US_ASCII);
        WireWriter w = handshake(in);
        addToStoreNar(w, PATH, NixHash.sha256Of(nar), nar.length);
        in.write(nar);
        w.writeU64(ServeProtocol.CMD_QUERY_VALID_PATHS).writeBool(false).writeBool(false)
                .writeStrings(List.of(PATH, DRV));
        w.writeU64(ServeProtocol.CMD_DUMP_STORE_PATH).writeString(PATH);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isZero();
        WireReader reply = new WireReader(new ByteArrayInputStream(served.stdout()));
        reply.readU64("magic");
        reply.readU64("version");
        assertThat(reply.readU64("AddToStoreNar reply")).isEqualTo(1);
        assertThat(reply.readStrings("valid")).containsExactly(PATH);
        byte[] dumped = new byte[nar.length];
        reply.readFully(dumped, 0, dumped.length, "dump");
        assertThat(dumped).isEqualTo(nar);
        assertThat(quota.used()).isZero();
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void aRequestLargerThanTheRequestBoundIsRefused() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        WireWriter w = handshake(in).writeU64(ServeProtocol.CMD_BUILD_DERIVATION).writeString(DRV);
        Map<String, String> env = new TreeMap<>();
        for (int i = 0; i < 100; i++) {
            env.put("k" + i, "v".repeat(100));
        }
        BasicDerivationCodec.write(w, derivation(env));
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("may hold at most 4096 bytes besides its NARs");
    }

    @Test
    void aDerivationNoPoolCanBuildIsRefusedBeforeAnythingIsQueued() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        WireWriter w = handshake(in).writeU64(ServeProtocol.CMD_BUILD_DERIVATION).writeString(DRV);
        BasicDerivationCodec.write(w, derivation(Map.of("requiredSystemFeatures", "kvm")));
        options(w);
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"), FakeBroker.pool("big", "big-parallel"));
        Served served = serve(broker, "auto", limits(1024, 1 << 16), in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.stderr()).contains("no pool you may use can build '" + DRV + "'")
                .contains("(x86_64-linux, [kvm])").contains("ns/big");
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void autoQueuesTheBuildOnThePoolThatFitsAndAClientHangingUpWhileQueuedClosesTheTicket() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WireWriter w = handshake(bytes).writeU64(ServeProtocol.CMD_BUILD_DERIVATION).writeString(DRV);
        BasicDerivationCodec.write(w, derivation(Map.of("requiredSystemFeatures", "kvm")));
        options(w);
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"), FakeBroker.pool("vm", "kvm"));
        PipedOutputStream client = new PipedOutputStream();
        InputStream fromClient = new PipedInputStream(client, 1 << 16);
        client.write(bytes.toByteArray());
        client.flush();
        GatewayLimits limits = limits(1024, 1 << 16);
        ClientStderr stderr = new ClientStderr(stderrBytes, "test-stderr");
        ServeEndpoint endpoint = new ServeEndpoint(CLIENT, "auto", broker, (lease, lines) -> {
            throw new BrokerException("no builders in this test");
        }, new InputSpool(tmp.resolve("s"), 1024, 4, quota), limits, stderr);
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> endpoint.serve(fromClient, stdout));

        org.awaitility.Awaitility.await().until(() -> !broker.tickets.isEmpty());
        FakeBroker.Ticket ticket = broker.tickets.get(0);
        assertThat(ticket.pool.pool()).isEqualTo("vm");
        assertThat(ticket.build.requiredFeatures()).containsExactly("kvm");
        assertThat(ticket.build.drvPath().toString()).isEqualTo(DRV);

        endpoint.abort();
        assertThat(status.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(ticket.closed).isTrue();
        assertThat(ticket.outcome).isNull();
    }

    @Test
    void theBrokerTakingTheBuilderMidBuildEndsTheClientsBuildWithItsReason() throws Exception {
        StoreBuilders builders = new StoreBuilders();
        StoreBuilders.Store builder = builders.stalling("127.0.0.9");
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"))
                .leaseImmediately(new BuilderLease("ns/small-0", "127.0.0.9", 22, "nixpool", "key", "host"));
        Running running = buildOn(broker, builders);
        org.awaitility.Awaitility.await().until(() -> !builder.built.isEmpty());
        FakeBroker.Ticket ticket = broker.tickets.get(0);
        assertThat(ticket.connected).contains("SHA256:127.0.0.9");

        ticket.cancel("builder pod small-0 was deleted");

        assertThat(running.status().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(builder.open).as("the builder link is closed").hasValue(0);
        assertThat(stderrBytes.toString(StandardCharsets.UTF_8))
                .contains("error: the build was cancelled: builder pod small-0 was deleted");
        assertThat(ticket.failure).contains("builder pod small-0 was deleted");
        assertThat(ticket.outcome).isNull();
        assertThat(ticket.closed).isTrue();
    }

    @Test
    void aClientHangingUpMidBuildClosesTheBuilderLinkAndTheTicket() throws Exception {
        StoreBuilders builders = new StoreBuilders();
        StoreBuilders.Store builder = builders.stalling("127.0.0.9");
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"))
                .leaseImmediately(new BuilderLease("ns/small-0", "127.0.0.9", 22, "nixpool", "key", "host"));
        Running running = buildOn(broker, builders);
        org.awaitility.Awaitility.await().until(() -> !builder.built.isEmpty());

        running.endpoint().abort();

        assertThat(running.status().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> builder.open.get() == 0);
        FakeBroker.Ticket ticket = broker.tickets.get(0);
        assertThat(ticket.closed).isTrue();
        assertThat(ticket.outcome).isNull();
    }

    private record Running(ServeEndpoint endpoint, CompletableFuture<Integer> status) {
    }

    private Running buildOn(FakeBroker broker, BuilderDialer dialer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WireWriter w = handshake(bytes).writeU64(ServeProtocol.CMD_BUILD_DERIVATION).writeString(DRV);
        BasicDerivationCodec.write(w, derivation(Map.of()));
        options(w);
        PipedOutputStream client = new PipedOutputStream();
        InputStream fromClient = new PipedInputStream(client, 1 << 16);
        client.write(bytes.toByteArray());
        client.flush();
        ClientStderr stderr = new ClientStderr(stderrBytes, "test-stderr");
        ServeEndpoint endpoint = new ServeEndpoint(CLIENT, "small", broker, dialer,
                new InputSpool(tmp.resolve("s"), 1024, 4, quota), limits(1024, 1 << 16), stderr);
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
            int code = endpoint.serve(fromClient, stdout);
            stderr.close();
            return code;
        });
        return new Running(endpoint, status);
    }

    private List<Path> spoolFiles() throws IOException {
        Path dir = tmp.resolve("spool");
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static void addToStoreNar(WireWriter w, String path, NixHash hash, long size) throws IOException {
        w.writeU64(ServeProtocol.CMD_ADD_TO_STORE_NAR).writeString(path).writeString("").writeString(hash.toBase16())
                .writeStrings(List.of()).writeU64(0).writeU64(size).writeBool(false).writeStrings(List.of())
                .writeString("");
    }

    private static void options(WireWriter w) throws IOException {
        BuildOptions o = BuildOptions.DEFAULTS;
        w.writeU64(o.maxSilentTime()).writeU64(o.buildTimeout()).writeU64(o.maxLogSize()).writeU64(o.nrRepeats())
                .writeBool(o.enforceDeterminism()).writeBool(o.keepFailed());
    }

    private static Derivation derivation(Map<String, String> env) {
        TreeMap<String, DerivationOutput> outputs = new TreeMap<>();
        outputs.put("out", new DerivationOutput("/nix/store/22222222222222222222222222222222-t", "", ""));
        return new Derivation(outputs, new TreeMap<>(), new TreeSet<>(), "x86_64-linux", "/bin/sh",
                List.of("-c", "echo > $out"), new TreeMap<>(env));
    }
}
