package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.nixpool.nix.cache.NarCompression;

class NarCompressorsTest {

    @ParameterizedTest
    @EnumSource(NarCompression.class)
    void roundTripsCompressibleAndRandomData(NarCompression compression) throws Exception {
        byte[] text = "nix-archive-1 (type regular contents hello)\n".repeat(5000).getBytes();
        byte[] random = new byte[300_000];
        new Random(42).nextBytes(random);
        for (byte[] data : new byte[][]{text, random, new byte[0]}) {
            byte[] packed = compress(compression, data);
            try (InputStream in = NarCompressors.decompress(compression, new ByteArrayInputStream(packed))) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            if (compression != NarCompression.NONE && data == text) {
                assertThat(packed.length).isLessThan(data.length / 20);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(NarCompression.class)
    void roundTripsDataOfManyBlocksOnOneThreadAndOnSeveral(NarCompression compression) throws Exception {
        // mostly text (random bytes are slow to xz), with random runs so blocks differ
        byte[] data = "nix-archive-1 (type regular contents)\n".repeat(80_000).getBytes();
        Random random = new Random(3);
        for (int at = 0; at + 4096 < data.length; at += 300_000) {
            byte[] run = new byte[4096];
            random.nextBytes(run);
            System.arraycopy(run, 0, data, at, run.length);
        }
        for (int threads : new int[]{1, 3}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream c = new NarCompressors(threads, 1 << 20).compress(compression, out)) {
                c.write(data);
            }
            try (InputStream in = NarCompressors.decompress(compression,
                    new ByteArrayInputStream(out.toByteArray()))) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(NarCompression.class)
    void writesTheFormatsMagic(NarCompression compression) throws Exception {
        byte[] packed = compress(compression, "hello".getBytes());
        switch (compression) {
            case XZ -> assertThat(packed).startsWith(0xFD, '7', 'z', 'X', 'Z', 0x00);
            case ZSTD -> assertThat(packed).startsWith(0x28, 0xB5, 0x2F, 0xFD);
            case NONE -> assertThat(packed).isEqualTo("hello".getBytes());
        }
    }

    private static byte[] compress(NarCompression compression, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = NarCompressors.DEFAULTS.compress(compression, out)) {
            c.write(data);
        }
        return out.toByteArray();
    }
}
