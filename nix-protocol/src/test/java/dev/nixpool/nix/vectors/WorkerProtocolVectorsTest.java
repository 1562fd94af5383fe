package dev.nixpool.nix.vectors;

import static dev.nixpool.nix.vectors.Vectors.BAR;
import static dev.nixpool.nix.vectors.Vectors.BAR_DRV;
import static dev.nixpool.nix.vectors.Vectors.DRV_HASH;
import static dev.nixpool.nix.vectors.Vectors.ZERO_SIG;
import static dev.nixpool.nix.vectors.Vectors.assertConsumed;
import static dev.nixpool.nix.vectors.Vectors.built;
import static dev.nixpool.nix.vectors.Vectors.encode;
import static dev.nixpool.nix.vectors.Vectors.load;
import static dev.nixpool.nix.vectors.Vectors.notDeterministic;
import static dev.nixpool.nix.vectors.Vectors.outputRejected;
import static dev.nixpool.nix.vectors.Vectors.reader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyBudget;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;
import dev.nixpool.nix.worker.ClientHandshakeInfo;
import dev.nixpool.nix.worker.WorkerClientHandshake;
import dev.nixpool.nix.worker.WorkerConnection;
import dev.nixpool.nix.worker.WorkerFeatures;
import dev.nixpool.nix.worker.WorkerPathInfoCodec;
import dev.nixpool.nix.worker.WorkerProtocol;
import dev.nixpool.nix.worker.WorkerServerHandshake;
import dev.nixpool.nix.worker.WorkerVersion;

/**
 * Our worker codecs against NixOS/nix's src/libstore-tests/data/worker-protocol (values from worker-protocol.cc) and
 * against handshakes recorded from the real {@code nix-daemon --stdio} 2.8.0.
 */
class WorkerProtocolVectorsTest {

    static final NixHash NAR_HASH = hash("sha256-FePFYIlMuycIXPZbWi7LGEiMmZSX9FMbaQenWBzm1Sc=");
    static final StorePath PATH = path(BAR);
    static final StorePath FOO_OTHER = path("/nix/store/g1w7hyyyy1w7hy3qg1w7hy3qgqqqqy3q-foo");
    static final StorePath CA_PATH = path("/nix/store/n5wkd9frr45pa74if5gpz9j7mifg27fh-foo");

    @Test
    void buildResultsOfEveryVersion() throws Exception {
        OptionalLong none = OptionalLong.empty();
        assertResults("1.27", BuildResultCodec.Shape.worker(27), true, outputRejected(), notDeterministic(false),
                built(0, 0, 0, null, none, none));
        // 1.28-1.37 are one-way tests in Nix (its type no longer holds the hash); ours keeps it and writes them back
        assertResults("1.28", BuildResultCodec.Shape.worker(28), true, outputRejected(), notDeterministic(false),
                built(0, 0, 0, DRV_HASH, none, none));
        assertResults("1.29", BuildResultCodec.Shape.worker(29), true, outputRejected(), notDeterministic(true),
                built(1, 30, 50, DRV_HASH, none, none));
        assertResults("1.37", BuildResultCodec.Shape.worker(37), true, outputRejected(), notDeterministic(true),
                built(1, 30, 50, DRV_HASH, OptionalLong.of(500_000_000), OptionalLong.of(604_000_000)));
        // current Nix's writer for old clients: {"id","outPath"} under a zero hash; read only
        assertResults("1.29-compat", BuildResultCodec.Shape.worker(29), false, outputRejected(),
                notDeterministic(true), built(1, 30, 50, "sha256:" + "0".repeat(64), none, none));
        // 1.38 with the feature: outputs by name with path and signatures
        assertResults("realisation-with-path-not-hash",
                BuildResultCodec.Shape.worker(38, Set.of(WorkerFeatures.REALISATION_WITH_PATH_NOT_HASH)), true,
                outputRejected(), notDeterministic(true),
                built(1, 30, 50, "", OptionalLong.of(500_000_000), OptionalLong.of(604_000_000)));
    }

    private static void assertResults(String name, BuildResultCodec.Shape shape, boolean writesBack,
            BuildResult... expected) throws Exception {
        byte[] bytes = load("worker-protocol/build-result-" + name + ".bin");
        WireReader in = reader(bytes);
        for (BuildResult r : expected) {
            assertThat(BuildResultCodec.read(in, shape)).as("build-result-%s", name).isEqualTo(r);
        }
        assertConsumed(in);
        if (writesBack) {
            assertThat(encode(out -> {
                for (BuildResult r : expected) {
                    BuildResultCodec.write(out, r, shape);
                }
            })).as("build-result-%s written back", name).isEqualTo(bytes);
        }
    }

    @Test
    void pathInfosOf115And116() throws Exception {
        StorePath deriver = path(BAR_DRV);
        List<StorePath> refs = List.of(PATH, FOO_OTHER);
        assertPathInfos("valid-path-info-1.15", 15, true,
                new ValidPathInfo(PATH, null, NAR_HASH, List.of(), 23423, 34878, false, List.of(), ""),
                new ValidPathInfo(PATH, deriver, NAR_HASH, refs, 23423, 34878, false, List.of(), ""));
        assertPathInfos("valid-path-info-1.16", 16, true,
                new ValidPathInfo(PATH, null, NAR_HASH, List.of(), 23423, 34878, true, List.of(), ""),
                new ValidPathInfo(PATH, deriver, NAR_HASH, refs, 23423, 34878, false,
                        List.of("fake-sig-1:" + ZERO_SIG, "fake-sig-2:" + ZERO_SIG), ""),
                new ValidPathInfo(CA_PATH, null, NAR_HASH, List.of(PATH, CA_PATH), 23423, 34878, false, List.of(),
                        "fixed:r:sha256:"
                                + hash("sha256-EMIJ+giQ/gLIWoxmPKjno3zHZrxbGymgzGGyZvZBIdM=").toNix32()));
        assertPathInfos("unkeyed-valid-path-info-1.15", 15, false,
                new ValidPathInfo(PATH, null, NAR_HASH, List.of(), 23423, 34878, false, List.of(), ""),
                new ValidPathInfo(PATH, deriver, NAR_HASH,
                        List.of(path("/nix/store/g1w7hyyyy1w7hy3qg1w7hy3qgqqqqy3q-foo.drv")), 23423, 34878, false,
                        List.of(), ""));
    }

    private static void assertPathInfos(String name, int minor, boolean keyed, ValidPathInfo... expected)
            throws Exception {
        byte[] bytes = load("worker-protocol/" + name + ".bin");
        WireReader in = reader(bytes);
        for (ValidPathInfo info : expected) {
            ValidPathInfo read = keyed
                    ? WorkerPathInfoCodec.read(in, minor, ReplyBudget.unlimited())
                    : WorkerPathInfoCodec.readUnkeyed(in, minor, PATH, ReplyBudget.unlimited());
            assertThat(read).as(name).isEqualTo(info);
        }
        assertConsumed(in);
        assertThat(encode(out -> {
            for (ValidPathInfo info : expected) {
                if (keyed) {
                    WorkerPathInfoCodec.write(out, minor, info);
                } else {
                    WorkerPathInfoCodec.writeUnkeyed(out, minor, info);
                }
            }
        })).as("%s written back", name).isEqualTo(bytes);
    }

    @Test
    void clientHandshakeInfosAndTrustFlags() throws Exception {
        assertInfos("1_30", 30, new ClientHandshakeInfo(Optional.empty(), Optional.empty()));
        assertInfos("1_33", 33, new ClientHandshakeInfo(Optional.of("foo"), Optional.empty()),
                new ClientHandshakeInfo(Optional.of("bar"), Optional.empty()));
        assertInfos("1_35", 35, new ClientHandshakeInfo(Optional.of("foo"), Optional.of(false)),
                new ClientHandshakeInfo(Optional.of("bar"), Optional.of(true)));
        // optional-trusted-flag.bin: nullopt, Trusted, NotTrusted, the same encoding as remoteTrustsUs
        WireReader in = reader(load("worker-protocol/optional-trusted-flag.bin"));
        assertThat(List.of(in.readU64("f"), in.readU64("f"), in.readU64("f"))).containsExactly(0L, 1L, 2L);
        assertConsumed(in);
    }

    private static void assertInfos(String version, int minor, ClientHandshakeInfo... expected) throws Exception {
        byte[] bytes = load("worker-protocol/client-handshake-info_" + version + ".bin");
        WireReader in = reader(bytes);
        for (ClientHandshakeInfo info : expected) {
            assertThat(ClientHandshakeInfo.read(in, minor)).isEqualTo(info);
        }
        assertConsumed(in);
        assertThat(encode(out -> {
            for (ClientHandshakeInfo info : expected) {
                info.write(out, minor);
            }
        })).isEqualTo(bytes);
    }

    @Test
    void handshakeOfNixTestsReplaysAndOurDaemonSideWritesIt() throws Exception {
        byte[] toClient = load("worker-protocol/handshake-to-client.bin");
        WorkerVersion v = WorkerClientHandshake.connect(reader(toClient),
                new WireWriter(OutputStream.nullOutputStream()),
                0x10a, Set.of());
        assertThat(v).isEqualTo(new WorkerVersion(0x10a, Set.of()));
        byte[] hello = encode(out -> out.writeU64(WorkerProtocol.MAGIC_1).writeU64(0x10a));
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        assertThat(WorkerServerHandshake.accept(reader(hello), new WireWriter(ours), 0x10a, Set.of())).isEqualTo(v);
        assertThat(ours.toByteArray()).isEqualTo(toClient);

        for (int len = 0; len < toClient.length; len++) {
            byte[] cut = Arrays.copyOf(toClient, len);
            assertThatThrownBy(() -> WorkerClientHandshake.connect(reader(cut),
                    new WireWriter(OutputStream.nullOutputStream()), 0x10a, Set.of())).as("truncated to %d", len)
                    .isInstanceOf(WireTruncatedException.class);
        }
        for (int idx = 0; idx < toClient.length; idx++) {
            byte[] bad = toClient.clone();
            bad[idx] = (byte) (bad[idx] * 4 + 1);
            if (idx == 8) {
                // another minor: the smaller is spoken, as in Nix
                assertThat(WorkerClientHandshake.connect(reader(bad), new WireWriter(OutputStream.nullOutputStream()),
                        0x10a, Set.of()).number()).isEqualTo(0x10a);
            } else {
                // as in Nix, except bytes 10-11 (bits 16-31 of the version), which Nix ignores and we refuse
                assertThatThrownBy(() -> WorkerClientHandshake.connect(reader(bad),
                        new WireWriter(OutputStream.nullOutputStream()), 0x10a, Set.of())).as("corrupt byte %d", idx)
                        .isInstanceOf(NixWireException.class);
            }
        }
    }

    /** Nix's handshake_features test: client 1.123 {bar, aap, mies, xyzzy}, daemon 1.200 {foo, bar, xyzzy}. */
    @Test
    void featureExchangeAgreesOnTheSmallerVersionAndCommonFeatures() throws Exception {
        PipedOutputStream clientOut = new PipedOutputStream();
        PipedInputStream serverIn = new PipedInputStream(clientOut, 4096);
        PipedOutputStream serverOut = new PipedOutputStream();
        PipedInputStream clientIn = new PipedInputStream(serverOut, 4096);
        CompletableFuture<WorkerVersion> client = CompletableFuture.supplyAsync(() -> {
            try {
                return WorkerClientHandshake.connect(new WireReader(clientIn), new WireWriter(clientOut), 0x100 | 123,
                        Set.of("bar", "aap", "mies", "xyzzy"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        WorkerVersion daemon = WorkerServerHandshake.accept(new WireReader(serverIn), new WireWriter(serverOut),
                0x100 | 200, Set.of("foo", "bar", "xyzzy"));
        assertThat(client.get(30, TimeUnit.SECONDS)).isEqualTo(daemon)
                .isEqualTo(new WorkerVersion(0x100 | 123, Set.of("bar", "xyzzy")));
    }

    @Test
    void handshakesRecordedFromNixDaemon28() throws Exception {
        for (String version : List.of("1.34", "1.38")) {
            String name = "transcripts/worker-2.8.0-client-" + version;
            byte[] answered = load(name + ".to-client.bin");
            ByteArrayOutputStream wrote = new ByteArrayOutputStream();
            WorkerConnection c = new WorkerConnection(new ByteArrayInputStream(answered), wrote);
            assertThat(c.handshake(m -> {
            })).as("Nix 2.8.0 speaks 1.34").isEqualTo(0x122);
            assertThat(c.daemonNixVersion()).isEqualTo("2.8.0");
            if (version.equals("1.34")) {
                assertThat(wrote.toByteArray()).as("what WorkerConnection sends")
                        .isEqualTo(load(name + ".to-server.bin"));
            }
            // a current client (1.38, with features) and Nix 2.8 agree on 1.34 and no features
            WorkerVersion agreed = WorkerClientHandshake.connect(reader(answered),
                    new WireWriter(OutputStream.nullOutputStream()), 0x126,
                    Set.of(WorkerFeatures.REALISATION_WITH_PATH_NOT_HASH));
            assertThat(agreed).isEqualTo(new WorkerVersion(0x122, Set.of()));
        }
    }

    private static StorePath path(String p) {
        try {
            return StorePath.parse(p);
        } catch (NixWireException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static NixHash hash(String h) {
        try {
            return NixHash.parse(h);
        } catch (NixWireException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
