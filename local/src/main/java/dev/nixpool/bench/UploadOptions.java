package dev.nixpool.bench;

import java.util.List;

/**
 * Options of {@code nixpool bench upload}: the output's size, the compression both uploaders use, and which outputs
 * (random bytes, which no compressor shrinks, and repeated text, which every one does).
 */
public record UploadOptions(int sizeMib, String compression, boolean random, boolean compressible) {

    private static final List<String> COMPRESSIONS = List.of("xz", "zstd", "none");
    static final UploadOptions DEFAULTS = new UploadOptions(1024, "xz", true, true);

    public UploadOptions {
        if (sizeMib < 1) {
            throw new IllegalArgumentException("--size-mib must be at least 1, got " + sizeMib);
        }
        if (!COMPRESSIONS.contains(compression)) {
            throw new IllegalArgumentException("--compression must be xz, zstd or none, got '" + compression + "'");
        }
        if (!random && !compressible) {
            throw new IllegalArgumentException("--only-random and --only-compressible exclude each other");
        }
    }

    public static UploadOptions parse(List<String> args) {
        int size = DEFAULTS.sizeMib();
        String compression = DEFAULTS.compression();
        boolean random = true;
        boolean compressible = true;
        BenchArgs read = new BenchArgs(args);
        while (read.hasNext()) {
            String option = read.option();
            switch (option) {
                case "--size-mib" -> size = read.number(option, 1);
                case "--compression" -> compression = read.choice(option, COMPRESSIONS);
                case "--only-random" -> compressible = false;
                case "--only-compressible" -> random = false;
                default -> throw new IllegalArgumentException("unknown option '" + option
                        + "'; use --size-mib N, --compression xz|zstd|none, --only-random, --only-compressible");
            }
        }
        return new UploadOptions(size, compression, random, compressible);
    }
}
