package dev.nixpool.bench;

import java.util.List;
import java.util.Set;

/**
 * Options of {@code nixpool bench upload}: the output's size, the compression both uploaders use, and which outputs
 * (random bytes, which no compressor shrinks, and repeated text, which every one does).
 */
public record UploadOptions(int sizeMib, String compression, boolean random, boolean compressible) {

    private static final Set<String> COMPRESSIONS = Set.of("xz", "zstd", "none");
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
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--size-mib" -> size = Integer.parseInt(value(args, ++i, a));
                case "--compression" -> compression = value(args, ++i, a);
                case "--only-random" -> compressible = false;
                case "--only-compressible" -> random = false;
                default -> throw new IllegalArgumentException("unknown option '" + a
                        + "'; use --size-mib N, --compression xz|zstd|none, --only-random, --only-compressible");
            }
        }
        return new UploadOptions(size, compression, random, compressible);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }
}
