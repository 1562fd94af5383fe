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

class StderrReaderTest {

    static final List<StderrMessage> ALL = List.of(new StderrMessage.Next("a line\n"),
            new StderrMessage.StartActivity(7, 3, WorkerProtocol.ACT_BUILD, "building '/nix/store/x.drv'",
                    List.of(new StderrMessage.Text("/nix/store/x.drv"), new StderrMessage.Text(""),
                            new StderrMessage.Int(1), new StderrMessage.Int(1)),
                    0),
            new StderrMessage.Result(7, WorkerProtocol.RES_BUILD_LOG_LINE, List.of(new StderrMessage.Text("hello"))),
            new StderrMessage.StopActivity(7), new StderrMessage.Read(32768),
            new StderrMessage.Error("Error", 0, "Error", "path is not valid", List.of("while doing x"), 1),
            new StderrMessage.Last());

    static byte[] encode(List<StderrMessage> messages, int version) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StderrWriter w = new StderrWriter(new WireWriter(out), version);
        for (StderrMessage m : messages) {
            w.write(m);
        }
        return out.toByteArray();
    }

    static List<StderrMessage> decode(byte[] b, int version) throws Exception {
        StderrReader r = new StderrReader(new WireReader(new ByteArrayInputStream(b)), version);
        List<StderrMessage> out = new ArrayList<>();
        StderrMessage m;
        do {
            m = r.read();
            out.add(m);
        } while (!(m instanceof StderrMessage.Last));
        return out;
    }

    @Test
    void everyMessageRoundTrips() throws Exception {
        assertThat(decode(encode(ALL, 0x122), 0x122)).isEqualTo(ALL);
        StderrMessage.Result line = (StderrMessage.Result) ALL.get(2);
        assertThat(line.isBuildLogLine()).isTrue();
    }

    @Test
    void oldErrorsCarryAStatus() throws Exception {
        StderrMessage.Error old = new StderrMessage.Error("Error", 0, "Error", "boom", List.of(), 100);
        assertThat(decode(encode(List.of(old, new StderrMessage.Last()), 0x119), 0x119).get(0)).isEqualTo(old);
    }

    @Test
    void unknownTagsAndFieldTypesAreNamed() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WireWriter(out).writeU64(0x1234);
        assertThatThrownBy(() -> decode(out.toByteArray(), 0x122)).isInstanceOf(NixWireException.class)
                .hasMessageContaining("0x1234");
        ByteArrayOutputStream bad = new ByteArrayOutputStream();
        new WireWriter(bad).writeU64(WorkerProtocol.STDERR_RESULT).writeU64(1).writeU64(101).writeU64(1).writeU64(2);
        assertThatThrownBy(() -> decode(bad.toByteArray(), 0x122)).hasMessageContaining("field type 0 (int) or 1");
    }

    @Test
    void hostileStreamsGiveTypedErrors() throws Exception {
        byte[] valid = encode(ALL, 0x122);
        Fuzz.assertTruncationsFail(valid, b -> decode(b, 0x122), WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 41, 3000), b -> decode(b, 0x122));
    }
}
