package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tukaani.xz.ArrayCache;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.SeekableInputStream;
import org.tukaani.xz.SeekableXZInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The parallel xz writer's stream, read back by XZ for Java's two decoders: the streaming one (as liblzma reads: blocks
 * in order, each checked against its CRC64, the index against the blocks) and the seekable one, which reads the index
 * from the footer and so proves the block count and sizes recorded there. Nix reading it is FileCacheAgainstNixIT's.
 */
class ParallelXzOutputStreamTest {

    private final ExecutorService workers = Executors.newFixedThreadPool(3);

    @AfterEach
    void stop() {
        workers.shutdownNow();
    }

    @Test
    void aStreamOfManyBlocksDecodesToTheInputAndIndexesEveryBlock() throws Exception {
        byte[] data = mixed(1_000_003);
        byte[] xz = compress(data, 64 * 1024, 2);

        try (InputStream in = new XZInputStream(new ByteArrayInputStream(xz))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        try (SeekableXZInputStream in = new SeekableXZInputStream(new Bytes(xz))) {
            assertThat(in.getStreamCount()).isEqualTo(1);
            assertThat(in.getBlockCount()).isEqualTo(16);
            assertThat(in.getCheckTypes()).isEqualTo(1 << org.tukaani.xz.XZ.CHECK_CRC64);
            for (int i = 0; i < 15; i++) {
                assertThat(in.getBlockSize(i)).isEqualTo(64 * 1024);
            }
            assertThat(in.getBlockSize(15)).isEqualTo(1_000_003 - 15 * 64 * 1024);
            in.seek(700_000);
            assertThat(in.readNBytes(10)).isEqualTo(java.util.Arrays.copyOfRange(data, 700_000, 700_010));
        }
        assertThat(xz.length).as("the text half compresses").isLessThan(data.length * 3 / 4);
    }

    @Test
    void inputOfAWholeNumberOfBlocksAndEmptyInputAreValidStreams() throws Exception {
        byte[] exact = mixed(4 * 4096);
        try (SeekableXZInputStream in = new SeekableXZInputStream(new Bytes(compress(exact, 4096, 1)))) {
            assertThat(in.getBlockCount()).isEqualTo(4);
            assertThat(in.readAllBytes()).isEqualTo(exact);
        }
        byte[] empty = compress(new byte[0], 4096, 2);
        try (InputStream in = new XZInputStream(new ByteArrayInputStream(empty))) {
            assertThat(in.readAllBytes()).isEmpty();
        }
        try (SeekableXZInputStream in = new SeekableXZInputStream(new Bytes(empty))) {
            assertThat(in.getBlockCount()).isZero();
        }
    }

    @Test
    void byteByByteWritesGiveTheSameStream() throws Exception {
        byte[] data = mixed(50_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelXzOutputStream xz = stream(out, 8192, 2)) {
            for (byte b : data) {
                xz.write(b);
            }
        }
        assertThat(out.toByteArray()).isEqualTo(compress(data, 8192, 2));
    }

    @Test
    void noMoreBlocksThanAllowedAreInFlight() throws Exception {
        List<Future<?>> submitted = new ArrayList<>();
        AtomicInteger most = new AtomicInteger();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelXzOutputStream xz = new ParallelXzOutputStream(out, task -> {
            // counted when a block is handed over: those not finished then are the blocks in flight
            submitted.add((Future<?>) task);
            most.accumulateAndGet((int) submitted.stream().filter(f -> !f.isDone()).count(), Math::max);
            workers.execute(task);
        }, new LZMA2Options(1), ArrayCache.getDummyCache(), 4096, 2)) {
            xz.write(mixed(200_000));
        }
        assertThat(submitted).hasSize(49);
        assertThat(most.get()).isBetween(1, 2);
        try (InputStream in = new XZInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            assertThat(in.readAllBytes()).hasSize(200_000);
        }
    }

    @Test
    void anInterruptedWriterStopsWaitingForItsBlocksAndSaysSo() throws Exception {
        // workers that never get to the blocks: the writer can only leave its wait by the interrupt
        ParallelXzOutputStream xz = new ParallelXzOutputStream(new ByteArrayOutputStream(), task -> {
        }, new LZMA2Options(1), ArrayCache.getDummyCache(), 4096, 1);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> xz.write(mixed(10_000))).isInstanceOf(InterruptedIOException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
            assertThatThrownBy(xz::close).isInstanceOf(InterruptedIOException.class);
        } finally {
            Thread.interrupted();
        }
    }

    private byte[] compress(byte[] data, int blockSize, int inFlight) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelXzOutputStream xz = stream(out, blockSize, inFlight)) {
            xz.write(data);
        }
        return out.toByteArray();
    }

    private ParallelXzOutputStream stream(ByteArrayOutputStream out, int blockSize, int inFlight)
            throws IOException {
        return new ParallelXzOutputStream(out, workers, new LZMA2Options(6), ArrayCache.getDummyCache(), blockSize,
                inFlight);
    }

    /** Half random, half text, so blocks differ in how well they compress. */
    private static byte[] mixed(int size) {
        byte[] data = new byte[size];
        new Random(7).nextBytes(data);
        byte[] text = "nix-archive-1 ( type regular contents ".getBytes();
        for (int i = 0; i < size / 2; i++) {
            data[i] = text[i % text.length];
        }
        return data;
    }

    private static final class Bytes extends SeekableInputStream {

        private final byte[] b;
        private int pos;

        Bytes(byte[] b) {
            this.b = b;
        }

        @Override
        public int read() {
            return pos < b.length ? b[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] buf, int off, int len) {
            if (pos >= b.length) {
                return -1;
            }
            int n = Math.min(len, b.length - pos);
            System.arraycopy(b, pos, buf, off, n);
            pos += n;
            return n;
        }

        @Override
        public long length() {
            return b.length;
        }

        @Override
        public long position() {
            return pos;
        }

        @Override
        public void seek(long p) {
            pos = (int) p;
        }
    }
}
