package dev.nixpool.nix.cache;

import java.util.Locale;

import dev.nixpool.nix.store.NixHash;

/**
 * The compressions a binary cache's NARs come in, by the names narinfo's {@code Compression} uses, and the file
 * extension Nix gives each in the NAR's URL (BinaryCacheStore::addToStoreCommon). Only these three are written by us;
 * a cache may hold others (bzip2, br, lz4...) that Nix reads.
 */
public enum NarCompression {
    XZ("xz", ".xz"), ZSTD("zstd", ".zst"), NONE("none", "");

    private final String nixName;
    private final String extension;

    NarCompression(String nixName, String extension) {
        this.nixName = nixName;
        this.extension = extension;
    }

    /** The narinfo's {@code Compression} value, and what a store URI's {@code ?compression=} says. */
    public String nixName() {
        return nixName;
    }

    public String extension() {
        return extension;
    }

    /** {@code nar/<nix32 fileHash>.nar<ext>}: where Nix puts a NAR, named for the compressed file's hash. */
    public String narUrl(NixHash fileHash) {
        return "nar/" + fileHash.toNix32() + ".nar" + extension;
    }

    public static NarCompression fromNixName(String name) {
        for (NarCompression c : values()) {
            if (c.nixName.equals(name.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unsupported compression '" + name + "': expected xz, zstd or none");
    }
}
