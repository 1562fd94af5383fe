package dev.nixpool.logs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The total byte budget of the log store ({@code nixpool.logs.max-total-bytes}). Every line a log writes is reserved
 * here first; when the store is full the logs of the builds that were written to longest ago are evicted, whole builds
 * at a time, down to a low watermark (so a full store does not rescan the disk on every line). Builds whose logs are
 * open for writing are evicted last: never, in fact; when only they are left the writer is refused and truncates its
 * log instead. An evicted build keeps a small {@value #EVICTED_FILE} file with the time, so a reader learns why the log
 * is gone.
 */
final class LogSpace {

    static final String EVICTED_FILE = "evicted";
    /** Eviction frees space down to this share of the cap. */
    private static final double LOW_WATERMARK = 0.9;

    private final Path dir;
    private final long maxTotalBytes;
    private final Predicate<String> isAttemptFile;
    private final Clock clock;
    private final Map<Path, Integer> writing = new HashMap<>();
    private long used = -1;

    LogSpace(Path dir, long maxTotalBytes, Predicate<String> isAttemptFile, Clock clock) {
        if (maxTotalBytes < 1) {
            throw new IllegalArgumentException("nixpool.logs.max-total-bytes must be at least 1, got " + maxTotalBytes);
        }
        this.dir = dir;
        this.maxTotalBytes = maxTotalBytes;
        this.isAttemptFile = isAttemptFile;
        this.clock = clock;
    }

    long maxTotalBytes() {
        return maxTotalBytes;
    }

    /** Bytes of log files in the store, as counted since the first use (a scan of the dir then). */
    synchronized long used() {
        scanOnce();
        return used;
    }

    synchronized void opened(Path buildDir) {
        writing.merge(buildDir, 1, Integer::sum);
    }

    synchronized boolean writing(Path buildDir) {
        return writing.containsKey(buildDir);
    }

    synchronized void closed(Path buildDir) {
        writing.computeIfPresent(buildDir, (d, n) -> n == 1 ? null : n - 1);
    }

    /** Files of that many bytes were removed by someone else (the NixBuild was deleted). */
    synchronized void released(long bytes) {
        if (used >= 0) {
            used = Math.max(0, used - bytes);
        }
    }

    /**
     * Makes room for {@code bytes} more, evicting the least recently written builds that are not being written if
     * needed; false when even that cannot make room.
     */
    synchronized boolean reserve(long bytes) {
        scanOnce();
        if (used + bytes > maxTotalBytes) {
            evictDownTo(Math.min(maxTotalBytes - bytes, (long) (maxTotalBytes * LOW_WATERMARK)));
        }
        if (used + bytes > maxTotalBytes) {
            return false;
        }
        used += bytes;
        return true;
    }

    private void evictDownTo(long target) {
        List<Candidate> candidates = new ArrayList<>();
        for (Path buildDir : buildDirs()) {
            if (!writing.containsKey(buildDir)) {
                List<Path> files = attemptFiles(buildDir);
                if (!files.isEmpty()) {
                    candidates.add(new Candidate(buildDir, files, lastWritten(files)));
                }
            }
        }
        candidates.sort(Comparator.comparing(Candidate::lastWritten));
        for (Candidate candidate : candidates) {
            if (used <= target) {
                return;
            }
            evict(candidate);
        }
    }

    private void evict(Candidate candidate) {
        try {
            // the marker first: a reader who finds no attempt file then knows why
            Files.writeString(candidate.buildDir().resolve(EVICTED_FILE), clock.instant().toString());
            for (Path file : candidate.files()) {
                long size = sizeOf(file);
                Files.deleteIfExists(file);
                used = Math.max(0, used - size);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot evict the logs in " + candidate.buildDir(), e);
        }
    }

    private void scanOnce() {
        if (used >= 0) {
            return;
        }
        long total = 0;
        for (Path buildDir : buildDirs()) {
            for (Path file : attemptFiles(buildDir)) {
                total += sizeOf(file);
            }
        }
        used = total;
    }

    /** {@code <dir>/<namespace>/<name>}. */
    private List<Path> buildDirs() {
        List<Path> result = new ArrayList<>();
        for (Path namespaceDir : list(dir)) {
            if (Files.isDirectory(namespaceDir)) {
                list(namespaceDir).stream().filter(Files::isDirectory).forEach(result::add);
            }
        }
        return result;
    }

    private List<Path> attemptFiles(Path buildDir) {
        return list(buildDir).stream().filter(p -> isAttemptFile.test(p.getFileName().toString())).toList();
    }

    private static List<Path> list(Path directory) {
        try (Stream<Path> paths = Files.list(directory)) {
            return paths.toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    private static FileTime lastWritten(List<Path> files) {
        FileTime latest = FileTime.fromMillis(0);
        for (Path file : files) {
            try {
                FileTime time = Files.getLastModifiedTime(file);
                latest = time.compareTo(latest) > 0 ? time : latest;
            } catch (IOException e) {
                // a file gone meanwhile does not make its build any newer
            }
        }
        return latest;
    }

    static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private record Candidate(Path buildDir, List<Path> files, FileTime lastWritten) {
    }
}
