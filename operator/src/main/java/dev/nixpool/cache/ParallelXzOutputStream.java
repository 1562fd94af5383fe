package dev.nixpool.cache;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.zip.CRC32;

import org.tukaani.xz.ArrayCache;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/**
 * One .xz stream of many blocks, the blocks compressed in parallel: what {@code xz -T N} and liblzma's multi-threaded
 * encoder (Nix's {@code parallel-compression}) write, and what every xz decoder reads (liblzma, so libarchive and Nix;
 * XZ for Java). The input is cut into blocks of {@code blockSize} bytes; each is compressed on {@code workers} by XZ for
 * Java into a stream of its own, whose one block is taken out whole (header, LZMA2 data, padding, CRC64) and written
 * here in input order; the stream's header, index and footer are written here. At most {@code inFlight} blocks are
 * being compressed or waiting to be written, which bounds memory to about {@code (inFlight + 1) * 2 * blockSize} beside
 * the encoders'; the caller's thread, filling the next block meanwhile, waits for the oldest when there are more.
 */
final class ParallelXzOutputStream extends OutputStream {

    private static final byte[] HEADER_MAGIC = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0};
    private static final byte[] FOOTER_MAGIC = {'Y', 'Z'};
    /** Stream flags: no reserved bits, the check type. */
    private static final byte[] STREAM_FLAGS = {0, XZ.CHECK_CRC64};
    private static final int HEADER_SIZE = 12;
    private static final int FOOTER_SIZE = 12;

    private final OutputStream out;
    private final Executor workers;
    private final LZMA2Options options;
    private final ArrayCache arrays;
    private final int blockSize;
    private final int inFlight;
    private final Deque<Future<Block>> pending = new ArrayDeque<>();
    private final List<Block> written = new ArrayList<>();
    private byte[] buffer;
    private int filled;
    private boolean finished;

    ParallelXzOutputStream(OutputStream out, Executor workers, LZMA2Options options, ArrayCache arrays, int blockSize,
            int inFlight) throws IOException {
        if (blockSize < 1 || inFlight < 1) {
            throw new IllegalArgumentException("blockSize and inFlight must be positive");
        }
        this.out = out;
        this.workers = workers;
        this.options = options;
        this.arrays = arrays;
        this.blockSize = blockSize;
        this.inFlight = inFlight;
        out.write(HEADER_MAGIC);
        out.write(STREAM_FLAGS);
        writeLe32(out, crc32(STREAM_FLAGS));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("the xz stream is finished");
        }
        while (len > 0) {
            if (buffer == null) {
                buffer = new byte[blockSize];
            }
            int n = Math.min(len, blockSize - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == blockSize) {
                submit();
            }
        }
    }

    /** Ends the stream (the last block, the index, the footer) and closes the stream below. */
    @Override
    public void close() throws IOException {
        try {
            if (!finished) {
                if (filled > 0) {
                    submit();
                }
                while (!pending.isEmpty()) {
                    writeOldest();
                }
                writeIndexAndFooter();
                finished = true;
            }
        } finally {
            pending.forEach(f -> f.cancel(true));
            pending.clear();
            out.close();
        }
    }

    private void submit() throws IOException {
        byte[] data = buffer;
        int length = filled;
        buffer = null;
        filled = 0;
        while (pending.size() >= inFlight) {
            writeOldest();
        }
        FutureTask<Block> task = new FutureTask<>(() -> compress(data, length));
        pending.addLast(task);
        workers.execute(task);
    }

    private void writeOldest() throws IOException {
        Block block;
        try {
            block = pending.peekFirst().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("xz compression failed: " + e.getCause(), e.getCause());
        }
        pending.removeFirst();
        out.write(block.bytes(), block.offset(), block.length());
        written.add(block.withoutBytes());
    }

    /** One block as a stream of its own from XZ for Java, cut out of that stream with its index record. */
    private Block compress(byte[] data, int length) throws IOException {
        // room for incompressible data (LZMA2 adds a few bytes per 64 KiB chunk), so the array never grows
        Buffer stream = new Buffer(length + length / 1024 + 4096);
        try (XZOutputStream xz = new XZOutputStream(stream, options, XZ.CHECK_CRC64, arrays)) {
            xz.write(data, 0, length);
        }
        byte[] s = stream.array();
        int size = stream.size();
        // footer: CRC32, backward size (index size / 4 - 1), stream flags, magic
        long indexSize = (readLe32(s, size - 8) + 1) * 4;
        int indexStart = (int) (size - FOOTER_SIZE - indexSize);
        // index: indicator 0x00, record count (1), then the record's unpadded and uncompressed sizes
        int[] pos = {indexStart + 1};
        long count = readVarint(s, pos);
        if (s[indexStart] != 0 || count != 1) {
            throw new IOException("unexpected xz index from the encoder: " + count + " records");
        }
        long unpadded = readVarint(s, pos);
        long uncompressed = readVarint(s, pos);
        if (uncompressed != length) {
            throw new IOException("the xz encoder's index says " + uncompressed + " bytes, not " + length);
        }
        return new Block(s, HEADER_SIZE, indexStart - HEADER_SIZE, unpadded, uncompressed);
    }

    private void writeIndexAndFooter() throws IOException {
        ByteArrayOutputStream index = new ByteArrayOutputStream();
        index.write(0);
        writeVarint(index, written.size());
        for (Block b : written) {
            writeVarint(index, b.unpaddedSize());
            writeVarint(index, b.uncompressedSize());
        }
        while (index.size() % 4 != 0) {
            index.write(0);
        }
        byte[] body = index.toByteArray();
        out.write(body);
        writeLe32(out, crc32(body));
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        writeLe32(footer, (body.length + 4) / 4 - 1);
        footer.write(STREAM_FLAGS);
        byte[] tail = footer.toByteArray();
        writeLe32(out, crc32(tail));
        out.write(tail);
        out.write(FOOTER_MAGIC);
    }

    private record Block(byte[] bytes, int offset, int length, long unpaddedSize, long uncompressedSize) {

        Block withoutBytes() {
            return new Block(null, 0, 0, unpaddedSize, uncompressedSize);
        }
    }

    /** A ByteArrayOutputStream whose array can be read without a copy. */
    private static final class Buffer extends ByteArrayOutputStream {

        Buffer(int size) {
            super(size);
        }

        byte[] array() {
            return buf;
        }
    }

    private static long crc32(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b);
        return crc.getValue();
    }

    private static void writeLe32(OutputStream out, long v) throws IOException {
        out.write((int) v);
        out.write((int) (v >>> 8));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 24));
    }

    private static long readLe32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    /** xz's multibyte integer: 7 bits a byte, least significant first, the high bit set on all but the last. */
    private static void writeVarint(OutputStream out, long v) throws IOException {
        while (v >= 0x80) {
            out.write((int) (v | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0;; shift += 7) {
            int x = b[pos[0]++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
    }
}
