package dev.nixpool.nix.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.Fuzz;

class FramedStreamTest {

    private static byte[] frame(byte[] payload, int chunk) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FramedOutputStream f = new FramedOutputStream(out, chunk)) {
            f.write(payload);
        }
        return out.toByteArray();
    }

    @Test
    void roundTripsAnyPayloadWithAnyChunkSize() throws Exception {
        Random r = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] payload = new byte[r.nextInt(5000)];
            r.nextBytes(payload);
            byte[] framed = frame(payload, 1 + r.nextInt(700));
            ByteArrayInputStream in = new ByteArrayInputStream(
                    concat(framed, new byte[]{42, 43}));
            try (InputStream f = new FramedInputStream(in)) {
                assertThat(f.readAllBytes()).isEqualTo(payload);
            }
            assertThat(in.readAllBytes()).as("the framed stream stops at its end").containsExactly(42, 43);
        }
    }

    @Test
    void layoutIsLengthThenUnpaddedBytesThenZero() throws Exception {
        byte[] framed = frame(new byte[]{1, 2, 3}, 2);
        assertThat(framed).containsExactly(2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0,
                0, 0);
    }

    @Test
    void closeDrainsTheRestOfTheFrame() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(concat(frame(new byte[1000], 100), new byte[]{7}));
        FramedInputStream f = new FramedInputStream(in);
        assertThat(f.read()).isZero();
        f.close();
        assertThat(in.read()).isEqualTo(7);
    }

    @Test
    void oversizedChunkLengthIsRefusedBeforeReading() throws Exception {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        new WireWriter(raw).writeU64(1L << 40);
        assertThatThrownBy(() -> new FramedInputStream(new ByteArrayInputStream(raw.toByteArray())).readAllBytes())
                .isInstanceOf(NixWireException.class).hasMessageContaining("length of a framed chunk");
    }

    @Test
    void truncatedAndMutatedFramesGiveTypedErrors() throws Exception {
        byte[] valid = frame("some framed payload bytes".getBytes(), 7);
        Fuzz.assertTruncationsFail(valid, b -> new FramedInputStream(new ByteArrayInputStream(b)).readAllBytes(),
                WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 1, 2000),
                b -> new FramedInputStream(new ByteArrayInputStream(b), 1 << 16).readAllBytes());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
