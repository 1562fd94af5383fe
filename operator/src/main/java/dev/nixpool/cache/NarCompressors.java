package dev.nixpool.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;

import dev.nixpool.nix.cache.NarCompression;

/**
 * The compression libraries behind {@link NarCompression}, on a fixed number of threads shared by every upload of the
 * operator: xz as Nix 2.8 writes it (preset 6, CRC64 check: what lzma_easy_encoder gives), but as one stream of
 * independently compressed blocks, the blocks spread over the threads ({@link ParallelXzOutputStream}, what Nix's
 * {@code parallel-compression} writes); zstd at the library's default level with its own worker threads. The caller's
 * thread, reading the NAR, goes on while its earlier blocks are compressed. Sharing the threads bounds the heap the
 * xz encoders take (some 12 bytes per byte of dictionary, about 95 MiB at preset 6's 8 MiB) whatever the number of
 * uploads. Closing a compressing stream finishes the format and closes the stream below.
 */
public final class NarCompressors {

    private static final int XZ_PRESET = 6;

    /** application.properties' values, for writers built without the configuration (tests). */
    public static final NarCompressors DEFAULTS = new NarCompressors(2, 4 << 20);

    private final int threads;
    private final int xzBlockSize;
    private final ThreadPoolExecutor workers;

    /**
     * @param threads     the compressing threads of the whole operator (at least 1)
     * @param xzBlockSize the bytes of NAR per xz block (at least 1 MiB); a block smaller than preset 6's 8 MiB
     *                    dictionary gets a dictionary of its own size, which compresses it the same for less memory
     */
    public NarCompressors(int threads, int xzBlockSize) {
        if (threads < 1) {
            throw new IllegalArgumentException("nixpool.upload.compression-threads must be at least 1, got " + threads);
        }
        if (xzBlockSize < 1 << 20) {
            throw new IllegalArgumentException(
                    "nixpool.upload.xz-block-size must be at least 1 MiB, got " + xzBlockSize + " bytes");
        }
        this.threads = threads;
        this.xzBlockSize = xzBlockSize;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "nixpool-compress-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        // an operator that uploads nothing keeps no compressing threads
        workers.allowCoreThreadTimeOut(true);
    }

    public OutputStream compress(NarCompression compression, OutputStream out) throws IOException {
        return switch (compression) {
            case XZ -> new ParallelXzOutputStream(out, workers, xzOptions(), BasicArrayCache.getInstance(), xzBlockSize,
                    // one block more than threads, so a thread that finishes finds the next one waiting
                    threads + 1);
            case ZSTD -> new ZstdOutputStream(out).setWorkers(threads);
            case NONE -> out;
        };
    }

    public static InputStream decompress(NarCompression compression, InputStream in) throws IOException {
        return switch (compression) {
            case XZ -> new XZInputStream(in);
            case ZSTD -> new ZstdInputStream(in);
            case NONE -> in;
        };
    }

    private LZMA2Options xzOptions() throws IOException {
        LZMA2Options options = new LZMA2Options(XZ_PRESET);
        if (xzBlockSize < options.getDictSize()) {
            options.setDictSize(xzBlockSize);
        }
        return options;
    }
}
