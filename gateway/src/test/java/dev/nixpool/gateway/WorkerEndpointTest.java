package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.wire.FramedOutputStream;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;
import dev.nixpool.nix.worker.StderrMessage;
import dev.nixpool.nix.worker.StderrReader;
import dev.nixpool.nix.worker.WorkerProtocol;

/**
 * The client-facing worker endpoint ({@code nix-daemon --stdio}) against recorded Nix 2.8 transcripts (see
 * src/test/resources/nix-2.8-ssh-ng/README.md) and hostile input: typed errors as the daemon sends them, bounded memory
 * and disk, no hang.
 */
class WorkerEndpointTest {

    private static final String PATH = "/nix/store/00000000000000000000000000000000-input";
    private static final String DRV = "/nix/store/11111111111111111111111111111111-t.drv";
    private static final ClientIdentity CLIENT = new ClientIdentity("alice", "SHA256:abc");

    @TempDir
    Path tmp;

    private final SpoolQuota quota = new SpoolQuota(1 << 20);

    private GatewayLimits limits(long maxSpool, long maxRequest) {
        return new GatewayLimits(tmp.resolve("spool"), maxSpool, 1 << 20, 16, maxRequest, 4, Duration.ofMinutes(1));
    }

    private record Served(int status, String sshStderr, byte[] stdout) {

        /** The daemon's side: magic, version, Nix version, then the stderr messages and replies that follow. */
        WireReader reply() throws IOException {
            WireReader r = new WireReader(new ByteArrayInputStream(stdout));
            assertThat(r.readU64("magic")).isEqualTo(WorkerProtocol.MAGIC_2);
            assertThat(r.readU64("version")).isEqualTo(WorkerEndpoint.VERSION);
            assertThat(r.readString("nix version", 100)).isEqualTo(WorkerEndpoint.NIX_VERSION);
            return r;
        }

        /** Every stderr message up to the first STDERR_LAST or STDERR_ERROR, that one included. */
        List<StderrMessage> messages(WireReader r) throws IOException {
            StderrReader reader = new StderrReader(r, WorkerEndpoint.VERSION);
            List<StderrMessage> all = new ArrayList<>();
            while (true) {
                StderrMessage m = reader.read();
                all.add(m);
                if (m instanceof StderrMessage.Last || m instanceof StderrMessage.Error) {
                    return all;
                }
            }
        }

        /** The error that answered the first operation after the handshake. */
        String firstError() throws IOException {
            WireReader r = reply();
            assertThat(messages(r)).singleElement().isInstanceOf(StderrMessage.Last.class);
            List<StderrMessage> next = messages(r);
            assertThat(next).last().isInstanceOf(StderrMessage.Error.class);
            return ((StderrMessage.Error) next.get(next.size() - 1)).message();
        }
    }

    private Served serve(FakeBroker broker, String user, GatewayLimits limits, byte[] input) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderrBytes = new ByteArrayOutputStream();
        ClientStderr stderr = new ClientStderr(stderrBytes, "test-stderr");
        InputSpool spool = new InputSpool(limits.spoolDir().resolve("c1"), limits.maxSpoolBytes(),
                limits.maxSpoolPaths(), quota);
        WorkerEndpoint endpoint = new WorkerEndpoint(CLIENT, user, broker, (lease, lines) -> {
            throw new BrokerException("no builders in this test");
        }, spool, limits, stderr);
        int status = endpoint.serve(new ByteArrayInputStream(input), stdout);
        stderr.close();
        return new Served(status, stderrBytes.toString(StandardCharsets.UTF_8), stdout.toByteArray());
    }

    private static byte[] recorded(String name) throws IOException {
        try (InputStream in = WorkerEndpointTest.class.getResourceAsStream("/nix-2.8-ssh-ng/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Nix 2.8's client handshake: magic, 1.34, CPU affinity 0, reserveSpace 0. */
    private static WireWriter handshake(ByteArrayOutputStream bytes) throws IOException {
        return new WireWriter(bytes).writeU64(WorkerProtocol.MAGIC_1).writeU64(0x122).writeU64(0).writeU64(0);
    }

    @Test
    void answersNix28sPingAsItsOwnDaemonDoesWithoutQueueingABuild() throws IOException {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"));
        Served served = serve(broker, "small", limits(1024, 4096), recorded("ping.client.bin"));

        assertThat(served.status()).isZero();
        // Nix 2.8's daemon answered magic, 1.34, "2.8.0", STDERR_LAST: the same words, but our version string
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        WireReader daemon = new WireReader(new ByteArrayInputStream(recorded("ping.daemon.bin")));
        new WireWriter(expected).writeU64(daemon.readU64("magic")).writeU64(daemon.readU64("version"))
                .writeString(daemon.readString("version string", 100).replace("2.8.0", WorkerEndpoint.NIX_VERSION))
                .writeU64(daemon.readU64("STDERR_LAST")).flush();
        assertThat(served.stdout()).isEqualTo(expected.toByteArray());
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void nix28sRecordedBuildSpoolsTheInputAndQueuesTheDerivationItNames() throws IOException {
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"), FakeBroker.pool("kvm", "kvm"))
                .leaseImmediately(new BuilderLease("b-0", "127.0.0.1", 22, "nix", "key", "host"));
        Served served = serve(broker, "auto", limits(1 << 20, 1 << 20), recorded("build.client.bin"));

        assertThat(served.status()).isEqualTo(1);
        assertThat(broker.tickets).singleElement().satisfies(t -> {
            assertThat(t.build.drvPath().toString())
                    .isEqualTo("/nix/store/3k548x1d9182kcx2xrgzxjaa74lgh4p5-rec-main.drv");
            assertThat(t.pool.pool()).as("auto takes the pool without extra features").isEqualTo("small");
            assertThat(t.failure).contains("no builders in this test");
            assertThat(t.closed).isTrue();
        });
        WireReader r = served.reply();
        assertThat(served.messages(r)).singleElement().isInstanceOf(StderrMessage.Last.class);
        // QueryValidPaths of the input: nothing is valid before the build
        assertThat(served.messages(r)).singleElement().isInstanceOf(StderrMessage.Last.class);
        assertThat(r.readU64("valid paths")).isZero();
        // AddMultipleToStore: spooled (the NAR matched its declared hash)
        assertThat(served.messages(r)).singleElement().isInstanceOf(StderrMessage.Last.class);
        // BuildDerivation: queue news in-band, then the builder failure as the daemon's error
        List<StderrMessage> build = served.messages(r);
        assertThat(build).first()
                .isEqualTo(new StderrMessage.Next("nixpool: NixBuild ns/test queued on pool ns/small\n"));
        assertThat(build).last().isInstanceOfSatisfying(StderrMessage.Error.class,
                e -> assertThat(e.message()).isEqualTo("no builders in this test"));
        assertThat(quota.used()).as("the spool is gone with the connection").isZero();
    }

    @Test
    void aStreamThatIsNotTheWorkerProtocolIsAProtocolMismatchOnSshStderr() {
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                "SSH-2.0-hello\r\nmore".getBytes(StandardCharsets.US_ASCII));

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.sshStderr()).startsWith("error: protocol mismatch: ").contains("magic");
        assertThat(served.stdout()).isEmpty();
    }

    @Test
    void aClientOlderThanFramedUploadsIsRefusedOnSshStderr() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        new WireWriter(in).writeU64(WorkerProtocol.MAGIC_1).writeU64(0x115).writeU64(0).writeU64(0);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.sshStderr()).isEqualTo("error: worker protocol 1.21 predates framed uploads (1.23); the "
                + "gateway serves Nix 2.4 and later\n");
    }

    @Test
    void anUnknownPoolIsTheDaemonsErrorRightAfterTheHandshake() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in);
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"));
        Served served = serve(broker, "large", limits(1024, 4096), in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        List<StderrMessage> start = served.messages(served.reply());
        assertThat(start).singleElement().isInstanceOfSatisfying(StderrMessage.Error.class,
                e -> assertThat(e.message()).contains("no pool 'large' that key alice may use").contains("ns/small"));
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void anOperationTheGatewayDoesNotServeIsATypedErrorNotAHang() throws IOException {
        for (long op : List.of(9L, 43L, 99L, Long.MAX_VALUE)) {
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            // BuildPaths (9) as a client would send it, then more requests the gateway must not wait for
            handshake(in).writeU64(op).writeU64(1).writeString(DRV + "!out").writeU64(0).writeU64(1);
            Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                    in.toByteArray());

            assertThat(served.status()).as("op %d", op).isEqualTo(1);
            assertThat(served.firstError()).as("op %d", op)
                    .startsWith("the gateway does not serve worker operation " + Long.toUnsignedString(op));
        }
    }

    @Test
    void aBuildPathsNamesTheOperation() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in).writeU64(9);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.firstError()).contains("operation 9 (BuildPaths)")
                .contains("QueryValidPaths, AddMultipleToStore");
    }

    @Test
    void anOverlongStringLengthIsATypedErrorNotAnAllocation() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in).writeU64(WorkerProtocol.OP_QUERY_VALID_PATHS).writeU64(1).writeU64(Long.MAX_VALUE);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.firstError()).contains("path to check[0] of at most 512 bytes");
    }

    @Test
    void aTruncatedRequestEndsTheConnection() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in).writeU64(WorkerProtocol.OP_QUERY_VALID_PATHS).writeU64(5).writeString(PATH);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(1024, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.firstError()).startsWith("stream ended while reading length of path to check[1]");
    }

    @Test
    void anUploadBeyondTheSpoolLimitIsRefusedBeforeItsNarIsRead() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        WireWriter w = handshake(in).writeU64(WorkerProtocol.OP_ADD_MULTIPLE_TO_STORE).writeU64(0).writeU64(1);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        writeInfo(new WireWriter(payload).writeU64(1), 1L << 40, NixHash.sha256Of(new byte[0]));
        // one frame with the count and the info; the terabyte NAR never comes, and need not
        w.writeU64(payload.size());
        in.write(payload.toByteArray());
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(4096, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.firstError()).contains("would exceed the gateway's limit of 4096 bytes");
        assertThat(quota.used()).isZero();
    }

    @Test
    void aNarThatIsNotWhatItsInfoDeclaresIsRefused() throws IOException {
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(4096, 4096),
                addMultiple(new byte[16], NixHash.sha256Of(new byte[1]), new byte[0]));

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.firstError()).contains("hash mismatch importing path '" + PATH + "'");
        assertThat(quota.used()).isZero();
    }

    @Test
    void framesGoingOnAfterTheDeclaredNarsAreRefused() throws IOException {
        byte[] nar = "not really a NAR".getBytes(StandardCharsets.US_ASCII);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(4096, 4096),
                addMultiple(nar, NixHash.sha256Of(nar), new byte[1000]));

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.firstError()).isEqualTo("expected the end of the framed data after the paths added, got "
                + "more bytes");
    }

    @Test
    void aHugeFrameLengthIsATypedError() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in).writeU64(WorkerProtocol.OP_ADD_MULTIPLE_TO_STORE).writeU64(0).writeU64(1)
                .writeU64(Long.MAX_VALUE);
        Served served = serve(new FakeBroker(FakeBroker.pool("small")), "small", limits(4096, 4096),
                in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.firstError()).contains("length of a framed chunk");
    }

    @Test
    void aRequestLargerThanTheBudgetIsRefusedAsAWhole() throws IOException {
        Map<String, String> env = new TreeMap<>();
        for (int i = 0; i < 100; i++) {
            env.put("k" + i, "v".repeat(100));
        }
        Derivation drv = derivation(env);
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        WireWriter w = handshake(in).writeU64(WorkerProtocol.OP_BUILD_DERIVATION).writeString(DRV);
        BasicDerivationCodec.write(w, drv);
        w.writeU64(0);
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"));
        Served served = serve(broker, "small", limits(4096, 4096), in.toByteArray());

        assertThat(served.status()).isEqualTo(1);
        assertThat(served.firstError()).contains("at most 4096 bytes besides its NARs");
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void aCheckBuildIsRefusedNotRunAsANormalOne() throws IOException {
        Derivation drv = derivation(Map.of());
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        WireWriter w = handshake(in).writeU64(WorkerProtocol.OP_BUILD_DERIVATION).writeString(DRV);
        BasicDerivationCodec.write(w, drv);
        w.writeU64(2);
        FakeBroker broker = new FakeBroker(FakeBroker.pool("small"));
        Served served = serve(broker, "small", limits(4096, 4096), in.toByteArray());

        assertThat(served.firstError()).contains("normal mode only");
        assertThat(broker.tickets).isEmpty();
    }

    /** AddMultipleToStore of one path whose info declares {@code narHash}, its NAR, then {@code extra}, framed. */
    private static byte[] addMultiple(byte[] nar, NixHash narHash, byte[] extra) throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        handshake(in).writeU64(WorkerProtocol.OP_ADD_MULTIPLE_TO_STORE).writeU64(0).writeU64(1);
        FramedOutputStream framed = new FramedOutputStream(in);
        WireWriter w = new WireWriter(framed).writeU64(1);
        writeInfo(w, nar.length, narHash);
        framed.write(nar);
        framed.write(extra);
        framed.close();
        return in.toByteArray();
    }

    private static Derivation derivation(Map<String, String> env) {
        TreeMap<String, DerivationOutput> outputs = new TreeMap<>();
        outputs.put("out", new DerivationOutput("/nix/store/22222222222222222222222222222222-t", "", ""));
        return new Derivation(outputs, new TreeMap<>(), new TreeSet<>(), "x86_64-linux", "/bin/sh", List.of(),
                new TreeMap<>(env));
    }

    private static void writeInfo(WireWriter w, long narSize, NixHash narHash) throws IOException {
        w.writeString(PATH).writeString("").writeString(narHash.toBase16()).writeU64(0).writeU64(0).writeU64(narSize)
                .writeBool(true)
                .writeU64(0).writeString("");
    }
}
