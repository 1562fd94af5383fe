package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spool file holds exactly the bytes written to it, whichever way it was written: directly (a large NAR; the last
 * chunk padded to the alignment, then cut back) or through the page cache (a small one), in writes of any size.
 */
class SpoolFileTest {

    @TempDir
    Path tmp;

    private final SpoolFile files = new SpoolFile();

    @Test
    void aLargeNarIsWrittenDirectlyAndHoldsExactlyItsBytes() throws IOException {
        for (int size : new int[]{(int) SpoolFile.DIRECT_FROM, SpoolFile.DIRECT_CHUNK * 3,
                SpoolFile.DIRECT_CHUNK * 3 + 1, SpoolFile.DIRECT_CHUNK * 2 + SpoolFile.MIN_ALIGN - 1,
                5 * 1024 * 1024 + 12_345}) {
            byte[] nar = randomBytes(size, size);
            Path file = tmp.resolve(size + ".nar");
            try (OutputStream out = files.open(file, size)) {
                assertThat(out).as("a NAR of %d bytes on a disk file system", size)
                        .isInstanceOf(SpoolFile.Direct.class);
                writeInUnevenPieces(out, nar);
            }
            assertThat(Files.readAllBytes(file)).as("%d bytes", size).isEqualTo(nar);
        }
    }

    @Test
    void aSmallNarGoesThroughThePageCache() throws IOException {
        byte[] nar = randomBytes(100_000, 3);
        Path file = tmp.resolve("small.nar");
        try (OutputStream out = files.open(file, nar.length)) {
            assertThat(out).isNotInstanceOf(SpoolFile.Direct.class);
            writeInUnevenPieces(out, nar);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(nar);
    }

    @Test
    void theDirectBufferIsReusedAndAnOverwrittenFileHoldsOnlyTheNewBytes() throws IOException {
        Path file = tmp.resolve("again.nar");
        byte[] first = randomBytes(3 * 1024 * 1024, 1);
        byte[] second = randomBytes(2 * 1024 * 1024 + 77, 2);
        for (byte[] nar : new byte[][]{first, second}) {
            try (OutputStream out = files.open(file, nar.length)) {
                writeInUnevenPieces(out, nar);
            }
            assertThat(Files.readAllBytes(file)).isEqualTo(nar);
        }
    }

    @Test
    void singleBytesAndCloseTwice() throws IOException {
        Path file = tmp.resolve("bytes.nar");
        OutputStream out = files.open(file, SpoolFile.DIRECT_FROM);
        for (int i = 0; i < 10_000; i++) {
            out.write(i);
        }
        out.close();
        out.close();
        byte[] content = Files.readAllBytes(file);
        assertThat(content).hasSize(10_000);
        for (int i = 0; i < content.length; i++) {
            assertThat(content[i]).isEqualTo((byte) i);
        }
    }

    private static void writeInUnevenPieces(OutputStream out, byte[] nar) throws IOException {
        SplittableRandom random = new SplittableRandom(nar.length);
        int off = 0;
        while (off < nar.length) {
            int n = Math.min(nar.length - off, 1 + random.nextInt(300_000));
            out.write(nar, off, n);
            off += n;
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }
}
