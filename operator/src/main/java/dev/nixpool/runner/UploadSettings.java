package dev.nixpool.runner;

import java.nio.file.Path;
import java.time.Duration;

import dev.nixpool.cache.NarCompressors;
import dev.nixpool.config.NixpoolConfig;

/**
 * How uploads run: attempts in all, the pause after a failed one (doubled per failure, capped), where compressed
 * NARs are staged before they are sent, and the compressing threads all uploads share.
 */
public record UploadSettings(int attempts, Duration initialBackoff, Duration maxBackoff, Path tempDir,
        NarCompressors compressors) {

    /** application.properties' values, for runners built without the configuration (tests). */
    public static final UploadSettings DEFAULTS = new UploadSettings(3, Duration.ofSeconds(5), Duration.ofSeconds(60),
            Path.of(System.getProperty("java.io.tmpdir")));

    public UploadSettings(int attempts, Duration initialBackoff, Duration maxBackoff, Path tempDir) {
        this(attempts, initialBackoff, maxBackoff, tempDir, NarCompressors.DEFAULTS);
    }

    public UploadSettings {
        if (attempts < 1) {
            throw new IllegalArgumentException("nixpool.upload.attempts must be at least 1, got " + attempts);
        }
    }

    public static UploadSettings from(NixpoolConfig config) {
        NixpoolConfig.Upload upload = config.upload();
        return new UploadSettings(upload.attempts(), upload.initialBackoff(), upload.maxBackoff(),
                Path.of(upload.tempDir()), new NarCompressors(upload.compressionThreads(), upload.xzBlockSize()));
    }

    Duration backoff(int failedAttempt) {
        Duration d = initialBackoff;
        for (int i = 1; i < failedAttempt && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
