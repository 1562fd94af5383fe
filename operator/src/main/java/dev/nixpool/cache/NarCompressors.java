package dev.nixpool.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;

import dev.nixpool.nix.cache.NarCompression;

/**
 * The compression libraries behind {@link NarCompression}: xz as Nix 2.8 writes it (preset 6, CRC64 check: what
 * lzma_easy_encoder gives), zstd at the library's default level. Closing a compressing stream finishes the format and
 * closes the stream below.
 */
public final class NarCompressors {

    private static final int XZ_PRESET = 6;

    private NarCompressors() {
    }

    public static OutputStream compress(NarCompression compression, OutputStream out) throws IOException {
        return switch (compression) {
            case XZ -> new XZOutputStream(out, new LZMA2Options(XZ_PRESET));
            case ZSTD -> new ZstdOutputStream(out);
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
}
