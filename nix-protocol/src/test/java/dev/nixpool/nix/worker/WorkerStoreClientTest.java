package dev.nixpool.nix.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.Fuzz;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyBudget;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The upload client of the worker protocol against a fake Nix 2.8 daemon in memory: the daemon's replies are canned
 * bytes, and what the client sent is decoded as the daemon (src/libstore/daemon.cc) would read it. Hostile replies
 * (mutated, truncated, answering what was not asked, refusing half-way) give typed errors only.
 */
class WorkerStoreClientTest {

    static final StorePath DEP = new StorePath("0c7pczjlmk1fj4q2kzsj23scrxbq1sgc", "dep");
    static final StorePath TOP = new StorePath("1zbnmrfbqvnl0ggx7jqp2dkwpmy6r6mz", "top");
    static final byte[] NAR = "nix-archive-1 (pretend) ".repeat(7000).getBytes(StandardCharsets.US_ASCII);
    static final ValidPathInfo INFO = new ValidPathInfo(TOP, null, NixHash.sha256Of(NAR), List.of(DEP), 0, NAR.length,
            false, List.of("cache-1:c2lnbmF0dXJl"), "");

    @Test
    void queryValidPathsAsksWithoutSubstitutionAndReturnsTheAnswer() throws Exception {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        byte[] reply = reply(w -> w.writeStrings(List.of(DEP.toString())));
        assertThat(client(reply, sent).queryValidPaths(List.of(TOP, DEP))).containsExactly(DEP);

        WireReader daemon = afterHandshake(sent);
        assertThat(daemon.readU64("op")).isEqualTo(WorkerProtocol.OP_QUERY_VALID_PATHS);
        assertThat(daemon.readStrings("paths")).as("sorted, as Nix's std::set")
                .containsExactly(DEP.toString(), TOP.toString());
        assertThat(daemon.readBool("substitute")).isFalse();
        assertThat(daemon.stream().read()).as("nothing more").isEqualTo(-1);
    }

    @Test
    void aDaemonNamingPathsThatWereNotAskedIsRefused() throws Exception {
        assertThatThrownBy(() -> client(reply(w -> w.writeStrings(List.of(TOP.toString()))), sink())
                .queryValidPaths(List.of(DEP))).isInstanceOf(NixWireException.class)
                .hasMessageContaining("which was not asked");
        assertThatThrownBy(() -> client(reply(w -> w.writeStrings(List.of(DEP.toString(), DEP.toString()))), sink())
                .queryValidPaths(List.of(DEP))).isInstanceOf(NixWireException.class)
                .hasMessageContaining("number of valid paths");
    }

    @Test
    void addToStoreNarSendsThePathInfoWithItsSignaturesAndTheNarFramed() throws Exception {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        List<StderrMessage> heard = new ArrayList<>();
        byte[] reply = stderr(new StderrMessage.StartActivity(1, 3, WorkerProtocol.ACT_COPY_PATH, "adding", List.of(),
                0), new StderrMessage.StopActivity(1), new StderrMessage.Last());
        WorkerConnection c = connection(reply, sent);
        new WorkerStoreClient(c, heard::add).addToStoreNar(INFO, new ByteArrayInputStream(NAR));
        assertThat(heard).hasSize(2);

        WireReader daemon = afterHandshake(sent);
        assertThat(daemon.readU64("op")).isEqualTo(WorkerProtocol.OP_ADD_TO_STORE_NAR);
        assertThat(WorkerPathInfoCodec.read(daemon, 34, ReplyBudget.unlimited())).isEqualTo(INFO);
        assertThat(daemon.readBool("repair")).isFalse();
        assertThat(daemon.readBool("dontCheckSigs")).as("the store checks our signature").isFalse();
        assertThat(frames(daemon)).isEqualTo(NAR);
        assertThat(daemon.stream().read()).as("nothing after the last frame").isEqualTo(-1);
    }

    @Test
    void aRefusalEndsTheFramesAndCarriesTheDaemonsMessage() throws Exception {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        byte[] reply = stderr(new StderrMessage.Error("Error", 0, "Error",
                "cannot add path '" + TOP + "' because it lacks a valid signature", List.of(), 1));
        assertThatThrownBy(() -> client(reply, sent).addToStoreNar(INFO, new ByteArrayInputStream(NAR)))
                .isInstanceOf(WorkerProtocolException.class).hasMessageContaining("lacks a valid signature");
        WireReader daemon = afterHandshake(sent);
        daemon.readU64("op");
        WorkerPathInfoCodec.read(daemon, 34, ReplyBudget.unlimited());
        daemon.readBool("repair");
        daemon.readBool("dontCheckSigs");
        byte[] got = frames(daemon);
        assertThat(got).as("a prefix of the NAR at most, then the end frame the daemon drains up to")
                .isEqualTo(Arrays.copyOf(NAR, got.length));
    }

    @Test
    void aNarShorterThanItsNarSizeIsOurErrorNotTheDaemons() throws Exception {
        // the daemon may have answered already: our source failing is what the caller needs to hear
        byte[] reply = stderr(new StderrMessage.Last());
        assertThatThrownBy(() -> client(reply, sink()).addToStoreNar(INFO,
                new ByteArrayInputStream(NAR, 0, NAR.length - 10))).isInstanceOf(EOFException.class)
                .hasMessageContaining("ended after " + (NAR.length - 10) + " of its " + NAR.length + " bytes");
    }

    @Test
    void daemonsOlderThanFramedNarsAreRefusedBeforeAnythingIsSent() throws Exception {
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        WireWriter w = new WireWriter(hello);
        w.writeU64(WorkerProtocol.MAGIC_2).writeU64(0x116);
        new StderrWriter(w, 0x116).write(new StderrMessage.Last());
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        WorkerConnection c = new WorkerConnection(new ByteArrayInputStream(hello.toByteArray()), sent);
        c.handshake(m -> {
        });
        int handshakeBytes = sent.size();
        assertThatThrownBy(() -> new WorkerStoreClient(c, m -> {
        }).addToStoreNar(INFO, new ByteArrayInputStream(NAR))).isInstanceOf(NixWireException.class)
                .hasMessageContaining("1.22").hasMessageContaining("needs 1.23");
        assertThat(sent.size()).isEqualTo(handshakeBytes);
    }

    @Test
    void hostileRepliesGiveTypedErrors() throws Exception {
        byte[] valid = reply(w -> w.writeStrings(List.of(DEP.toString())));
        Fuzz.Decoder query = b -> client(b, sink()).queryValidPaths(List.of(TOP, DEP));
        Fuzz.assertTruncationsFail(valid, query, WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 11, 2000), query);

        byte[] added = stderr(new StderrMessage.Next("copying\n"), new StderrMessage.Last());
        Fuzz.Decoder add = b -> client(b, sink()).addToStoreNar(INFO, new ByteArrayInputStream(NAR));
        Fuzz.assertTruncationsFail(added, add, WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(added, 12, 1000), add);
    }

    @FunctionalInterface
    interface Body {
        void write(WireWriter w) throws IOException;
    }

    /** STDERR_LAST, then the reply body. */
    static byte[] reply(Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WireWriter w = new WireWriter(out);
        new StderrWriter(w, 0x122).write(new StderrMessage.Last());
        body.write(w);
        return out.toByteArray();
    }

    static byte[] stderr(StderrMessage... messages) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StderrWriter w = new StderrWriter(new WireWriter(out), 0x122);
        for (StderrMessage m : messages) {
            w.write(m);
        }
        return out.toByteArray();
    }

    private static WorkerConnection connection(byte[] replies, ByteArrayOutputStream sent) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(WorkerConnectionTest.daemonHello());
        all.write(replies);
        WorkerConnection c = new WorkerConnection(new ByteArrayInputStream(all.toByteArray()), sent);
        c.handshake(m -> {
        });
        return c;
    }

    private static WorkerStoreClient client(byte[] replies, ByteArrayOutputStream sent) throws Exception {
        return new WorkerStoreClient(connection(replies, sent), m -> {
        });
    }

    private static ByteArrayOutputStream sink() {
        return new ByteArrayOutputStream();
    }

    /** What the client sent after the handshake's four words (magic, version, CPU affinity, reserveSpace). */
    private static WireReader afterHandshake(ByteArrayOutputStream sent) throws IOException {
        WireReader r = new WireReader(new ByteArrayInputStream(sent.toByteArray()));
        for (int i = 0; i < 4; i++) {
            r.readU64("handshake word");
        }
        return r;
    }

    /** Nix's FramedSource: [u64 len][len bytes] until a length of 0. */
    private static byte[] frames(WireReader in) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        while (true) {
            int len = in.readInt("frame length", 1 << 20);
            if (len == 0) {
                return data.toByteArray();
            }
            byte[] chunk = new byte[len];
            in.readFully(chunk, 0, len, "frame");
            data.write(chunk);
        }
    }
}
