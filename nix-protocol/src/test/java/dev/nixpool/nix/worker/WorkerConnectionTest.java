package dev.nixpool.nix.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.Fuzz;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;

/** The Nix 2.8 handshake against canned daemon bytes. */
class WorkerConnectionTest {

    static byte[] daemonHello() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WireWriter w = new WireWriter(out);
        w.writeU64(WorkerProtocol.MAGIC_2).writeU64(0x122).writeString("2.8.0");
        new StderrWriter(w, 0x122).write(new StderrMessage.Next("warning: something\n"));
        new StderrWriter(w, 0x122).write(new StderrMessage.Last());
        return out.toByteArray();
    }

    @Test
    void handshakeSendsVersionAffinityAndReserveSpace() throws Exception {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        WorkerConnection c = new WorkerConnection(new ByteArrayInputStream(daemonHello()), sent);
        List<StderrMessage> startup = new ArrayList<>();
        assertThat(c.handshake(startup::add)).isEqualTo(0x122);
        assertThat(c.daemonNixVersion()).isEqualTo("2.8.0");
        assertThat(startup).containsExactly(new StderrMessage.Next("warning: something\n"));
        WireReader r = new WireReader(new ByteArrayInputStream(sent.toByteArray()));
        assertThat(List.of(r.readU64("m"), r.readU64("v"), r.readU64("cpu"), r.readU64("reserve")))
                .containsExactly(WorkerProtocol.MAGIC_1, 0x122L, 0L, 0L);
    }

    @Test
    void aServeServerIsNotADaemon() throws Exception {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        new WireWriter(reply).writeU64(0x5452eecbL).writeU64(0x207);
        assertThatThrownBy(() -> new WorkerConnection(new ByteArrayInputStream(reply.toByteArray()),
                new ByteArrayOutputStream()).handshake(m -> {
                })).isInstanceOf(NixWireException.class).hasMessageContaining("0x5452eecb");
    }

    @Test
    void hostileHandshakesGiveTypedErrors() throws Exception {
        byte[] valid = daemonHello();
        Fuzz.Decoder hs = b -> new WorkerConnection(new ByteArrayInputStream(b), new ByteArrayOutputStream())
                .handshake(m -> {
                });
        Fuzz.assertTruncationsFail(valid, hs, WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 53, 3000), hs);
    }
}
