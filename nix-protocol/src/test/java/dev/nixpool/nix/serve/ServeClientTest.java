package dev.nixpool.nix.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.Fuzz;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;

/** The client against canned server bytes: exact requests per version, decoding of replies, hostile replies. */
class ServeClientTest {

    static final String A = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a";
    static final String B = "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b";
    static final String DRV_TEXT = "Derive([(\"out\",\"" + A
            + "\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"x\"],[(\"out\",\"" + A + "\")])";

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private static ByteArrayOutputStream serverHello(int version) throws Exception {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        new WireWriter(reply).writeU64(ServeProtocol.MAGIC_2).writeU64(version);
        return reply;
    }

    private ServeClient client(byte[] reply) throws Exception {
        ServeClient c = new ServeClient(new ByteArrayInputStream(reply), sent);
        c.handshake();
        return c;
    }

    private WireReader sentAfterHandshake() throws Exception {
        WireReader r = new WireReader(new ByteArrayInputStream(sent.toByteArray()));
        assertThat(r.readU64("magic")).isEqualTo(ServeProtocol.MAGIC_1);
        assertThat(r.readU64("version")).isEqualTo(0x207);
        return r;
    }

    static byte[] pathInfosReply() throws Exception {
        ByteArrayOutputStream reply = serverHello(0x207);
        new WireWriter(reply).writeString(B).writeString("").writeStrings(List.of(A)).writeU64(0).writeU64(120)
                .writeString("sha256:094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic").writeString("")
                .writeStrings(List.of("cache:sig")).writeString("");
        return reply.toByteArray();
    }

    @Test
    void bannerBeforeTheMagicIsAProtocolMismatch() {
        byte[] banner = "Welcome to the builder!\nmore\n".getBytes();
        assertThatThrownBy(() -> new ServeClient(new ByteArrayInputStream(banner), sent).handshake())
                .isInstanceOfSatisfying(ProtocolMismatchException.class,
                        e -> assertThat(e.printedText()).isEqualTo("Welcome to the builder!"));
    }

    @Test
    void queryPathInfosDecodesRecords() throws Exception {
        ServeClient c = client(pathInfosReply());
        List<PathInfo> infos = c.queryPathInfos(List.of(StorePath.parse(B)));
        assertThat(infos).hasSize(1);
        PathInfo i = infos.get(0);
        assertThat(i.path()).hasToString(B);
        assertThat(i.deriver()).isNull();
        assertThat(i.references()).extracting(StorePath::toString).containsExactly(A);
        assertThat(i.narSize()).isEqualTo(120);
        assertThat(i.narHash()).isEqualTo(NixHash.sha256Of("hello".getBytes()));
        assertThat(i.sigs()).containsExactly("cache:sig");
        WireReader r = sentAfterHandshake();
        assertThat(r.readU64("cmd")).isEqualTo(ServeProtocol.CMD_QUERY_PATH_INFOS);
        assertThat(r.readStrings("paths")).containsExactly(B);
    }

    @Test
    void buildDerivationSendsNix28DefaultsAndReadsBuiltOutputs() throws Exception {
        ByteArrayOutputStream reply = serverHello(0x207);
        new WireWriter(reply).writeU64(3).writeString("builder failed").writeU64(1).writeBool(false).writeU64(5)
                .writeU64(6).writeU64(0);
        ServeClient c = client(reply.toByteArray());
        Derivation drv = ATermParser.parse(DRV_TEXT);
        BuildResult result = c.buildDerivation(StorePath.parse(A + ".drv"), drv, BuildOptions.DEFAULTS);
        assertThat(result.status()).isEqualTo(BuildStatus.PERMANENT_FAILURE);
        assertThat(result.errorMsg()).isEqualTo("builder failed");
        assertThat(result.builtOutputs()).isEmpty();

        WireReader r = sentAfterHandshake();
        assertThat(r.readU64("cmd")).isEqualTo(ServeProtocol.CMD_BUILD_DERIVATION);
        assertThat(r.readString("drv")).isEqualTo(A + ".drv");
        assertThat(BasicDerivationCodec.read(r)).isEqualTo(drv);
        assertThat(List.of(r.readU64("a"), r.readU64("b"), r.readU64("c"), r.readU64("d"), r.readU64("e"),
                r.readU64("f"))).containsExactly(0L, 0L, 0L, 0L, 1L, 0L);
        assertThat(r.stream().read()).isEqualTo(-1);
    }

    @Test
    void olderServersGetFewerOptionsAndNoBuiltOutputs() throws Exception {
        ByteArrayOutputStream reply = serverHello(0x205);
        new WireWriter(reply).writeU64(0).writeString("").writeU64(1).writeBool(false).writeU64(5).writeU64(6);
        ServeClient c = client(reply.toByteArray());
        assertThat(c.minor()).isEqualTo(5);
        BuildResult result = c.buildDerivation(StorePath.parse(A + ".drv"), ATermParser.parse(DRV_TEXT),
                BuildOptions.DEFAULTS.withMaxSilentTime(60).withBuildTimeout(3600).withMaxLogSize(1 << 20));
        assertThat(result.success()).isTrue();
        WireReader r = sentAfterHandshake();
        r.readU64("cmd");
        r.readString("drv");
        BasicDerivationCodec.read(r);
        assertThat(List.of(r.readU64("a"), r.readU64("b"), r.readU64("c"), r.readU64("d"), r.readU64("e")))
                .containsExactly(60L, 3600L, 1L << 20, 0L, 1L);
        assertThat(r.stream().read()).isEqualTo(-1);
    }

    @Test
    void addToStoreNarNeedsMinor5() throws Exception {
        ServeClient c = client(serverHello(0x204).toByteArray());
        assertThatThrownBy(() -> c.addToStoreNar(null, null)).hasMessageContaining("needs serve protocol 2.5");
    }

    @Test
    void addToStoreNarRelaysShortReadsExactlyAndAsksForLargeOnes() throws Exception {
        byte[] nar = new byte[3 * ServeClient.NAR_CHUNK + 12345];
        new Random(10).nextBytes(nar);
        ValidPathInfo info = new ValidPathInfo(StorePath.parse(A), null, NixHash.sha256Of(nar), List.of(), 0,
                nar.length, false, List.of(), "");
        ByteArrayOutputStream reply = serverHello(0x207);
        new WireWriter(reply).writeU64(1);
        ServeClient c = client(reply.toByteArray());
        // a relayed stream gives what has arrived, often less than asked; the NAR is followed by the next request
        byte[] stream = Arrays.copyOf(nar, nar.length + 8);
        ShortReads in = new ShortReads(stream, 7 * 1024);

        c.addToStoreNar(info, in);

        byte[] sentBytes = sent.toByteArray();
        assertThat(Arrays.copyOfRange(sentBytes, sentBytes.length - nar.length, sentBytes.length))
                .isEqualTo(nar);
        assertThat(in.position).as("nothing past the NAR is read").isEqualTo(nar.length);
        assertThat(in.largestAsk).isEqualTo(ServeClient.NAR_CHUNK);
    }

    @Test
    void aNarThatEndsEarlyIsATruncation() throws Exception {
        byte[] nar = new byte[100];
        ValidPathInfo info = new ValidPathInfo(StorePath.parse(A), null, NixHash.sha256Of(nar), List.of(), 0, 200,
                false, List.of(), "");
        ServeClient c = client(serverHello(0x207).toByteArray());

        assertThatThrownBy(() -> c.addToStoreNar(info, new ShortReads(nar, 30)))
                .isInstanceOf(WireTruncatedException.class);
    }

    /** Gives at most {@code step} bytes per read, whatever was asked, and remembers the largest ask. */
    private static final class ShortReads extends InputStream {
        private final byte[] data;
        private final int step;
        int position;
        int largestAsk;

        ShortReads(byte[] data, int step) {
            this.data = data;
            this.step = step;
        }

        @Override
        public int read() {
            return position < data.length ? data[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            largestAsk = Math.max(largestAsk, len);
            if (position == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, step), data.length - position);
            System.arraycopy(data, position, b, off, n);
            position += n;
            return n;
        }
    }

    @Test
    void commandsBeforeTheHandshakeAreAProgrammingError() {
        ServeClient c = new ServeClient(new ByteArrayInputStream(new byte[0]), sent);
        assertThatThrownBy(() -> c.queryValidPaths(false, false, List.of()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void hostileRepliesGiveTypedErrors() throws Exception {
        byte[] valid = pathInfosReply();
        Fuzz.Decoder query = b -> new ServeClient(new ByteArrayInputStream(b), new ByteArrayOutputStream()) {
            {
                handshake();
                queryPathInfos(List.of(StorePath.parse(B)));
            }
        };
        Fuzz.assertTruncationsFail(valid, query, WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 31, 3000), query);
    }
}
