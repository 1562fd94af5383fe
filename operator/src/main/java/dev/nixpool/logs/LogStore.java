package dev.nixpool.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.nixpool.config.NixpoolConfig;

/**
 * Build logs on the operator's disk, one file per attempt: {@code <dir>/<namespace>/<name>/attempt-<n>.log}. They
 * outlive the builder pod and go when the NixBuild is deleted. Each build has a byte budget over all its attempts, and
 * the store has a total one, kept by evicting the least recently written builds' logs ({@link LogSpace}).
 */
@ApplicationScoped
public class LogStore {

    /** Kubernetes namespaces and object names: the only path components ever used, so no
     * path escapes the dir. */
    private static final Pattern OBJECT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");
    private static final String OWNER_FILE = "uid";
    private static final Pattern ATTEMPT_FILE = Pattern.compile("^attempt-([0-9]{1,9})\\.log$");
    /** status.logTail needs only the end of the log: read at most this much of it. */
    private static final int TAIL_WINDOW = 256 * 1024;

    private final Path dir;
    private final long maxBytesPerBuild;
    private final LogSpace space;

    @Inject
    public LogStore(NixpoolConfig config) {
        this(Path.of(config.logs().dir()), config.logs().maxBytes(), config.logs().maxTotalBytes(),
                Clock.systemUTC());
    }

    /** A store without a total cap (tests of other parts). */
    public LogStore(Path dir, long maxBytesPerBuild) {
        this(dir, maxBytesPerBuild, Long.MAX_VALUE, Clock.systemUTC());
    }

    public LogStore(Path dir, long maxBytesPerBuild, long maxTotalBytes, Clock clock) {
        if (maxBytesPerBuild < 1) {
            throw new IllegalArgumentException("nixpool.logs.max-bytes must be at least 1, got " + maxBytesPerBuild);
        }
        this.dir = dir.toAbsolutePath();
        this.maxBytesPerBuild = maxBytesPerBuild;
        this.space = new LogSpace(this.dir, maxTotalBytes, n -> ATTEMPT_FILE.matcher(n).matches(), clock);
    }

    public Path dir() {
        return dir;
    }

    /**
     * Opens an attempt's log for appending (an attempt re-dispatched after an operator restart continues its file). The
     * budget left is what the build's other files have not used. Logs of an earlier build of the same name (deleted
     * while no operator ran) are removed first: the directory remembers the uid it belongs to.
     */
    public BuildLog open(String namespace, String name, String uid, int attempt) {
        Path buildDir = buildDir(namespace, name).orElseThrow(() -> new IllegalArgumentException(
                "not a Kubernetes namespace/name: " + namespace + "/" + name));
        try {
            Path owner = buildDir.resolve(OWNER_FILE);
            if (Files.isDirectory(buildDir) && !(Files.isRegularFile(owner) && Files.readString(owner).equals(uid))) {
                delete(namespace, name);
            }
            Files.createDirectories(buildDir);
            if (!Files.isRegularFile(owner)) {
                Files.writeString(owner, uid);
            }
            long used;
            try (Stream<Path> files = Files.list(buildDir)) {
                used = files.filter(p -> ATTEMPT_FILE.matcher(p.getFileName().toString()).matches())
                        .mapToLong(LogSpace::sizeOf)
                        .sum();
            }
            Path file = buildDir.resolve(fileName(attempt));
            BuildLog log = new BuildLog(
                    Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                    Math.max(0, maxBytesPerBuild - used), maxBytesPerBuild, space, buildDir);
            space.opened(buildDir);
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the log of " + namespace + "/" + name + " attempt " + attempt
                    + " under " + dir, e);
        }
    }

    /** The log file of an attempt, if there is one. */
    public Optional<Path> file(String namespace, String name, int attempt) {
        return buildDir(namespace, name).map(d -> d.resolve(fileName(attempt))).filter(Files::isRegularFile);
    }

    /**
     * When the build's logs were evicted to keep the store under {@code nixpool.logs.max-total-bytes}; empty if they
     * never were (attempts written after an eviction have their files again).
     */
    public Optional<Instant> evictedAt(String namespace, String name) {
        Optional<Path> marker = buildDir(namespace, name).map(d -> d.resolve(LogSpace.EVICTED_FILE))
                .filter(Files::isRegularFile);
        try {
            return marker.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(Files.readString(marker.get())));
        } catch (IOException | java.time.format.DateTimeParseException e) {
            return Optional.of(Instant.EPOCH);
        }
    }

    /** Whether an attempt's log of the build is open for writing now (the latest attempt's, in practice). */
    public boolean writing(String namespace, String name) {
        return buildDir(namespace, name).map(space::writing).orElse(false);
    }

    /** The store's total cap, for messages. */
    public long maxTotalBytes() {
        return space.maxTotalBytes();
    }

    /** Bytes of all attempt logs in the store. */
    public long usedBytes() {
        return space.used();
    }

    /** The highest attempt that has a log. */
    public OptionalInt latestAttempt(String namespace, String name) {
        Optional<Path> buildDir = buildDir(namespace, name).filter(Files::isDirectory);
        if (buildDir.isEmpty()) {
            return OptionalInt.empty();
        }
        try (Stream<Path> files = Files.list(buildDir.get())) {
            return files.map(p -> ATTEMPT_FILE.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1)))
                    .max();
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the logs of " + namespace + "/" + name, e);
        }
    }

    /** The tail of an attempt's log for status.logTail; empty when there is no log. */
    public String tail(String namespace, String name, int attempt, int maxLines, int maxBytes) {
        Optional<Path> file = file(namespace, name, attempt);
        if (file.isEmpty()) {
            return "";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.get().toFile(), "r")) {
            long length = in.length();
            long start = Math.max(0, length - TAIL_WINDOW);
            byte[] bytes = new byte[(int) (length - start)];
            in.seek(start);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (start > 0) {
                // the window may begin inside a line (or a character): drop that partial first line
                int newline = text.indexOf('\n');
                text = newline >= 0 ? text.substring(newline + 1) : text;
            }
            return LogTail.of(text, maxLines, maxBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log " + file.get(), e);
        }
    }

    /** Removes every log of a build (the NixBuild is gone). */
    public void delete(String namespace, String name) {
        Optional<Path> buildDir = buildDir(namespace, name).filter(Files::isDirectory);
        if (buildDir.isEmpty()) {
            return;
        }
        try (Stream<Path> paths = Files.walk(buildDir.get())) {
            long freed = 0;
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (ATTEMPT_FILE.matcher(p.getFileName().toString()).matches()) {
                    freed += LogSpace.sizeOf(p);
                }
                Files.deleteIfExists(p);
            }
            space.released(freed);
            Path namespaceDir = buildDir.get().getParent();
            try (Stream<Path> rest = Files.list(namespaceDir)) {
                if (rest.findAny().isEmpty()) {
                    Files.deleteIfExists(namespaceDir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the logs of " + namespace + "/" + name, e);
        }
    }

    private Optional<Path> buildDir(String namespace, String name) {
        if (!OBJECT_NAME.matcher(namespace).matches() || !OBJECT_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return Optional.of(dir.resolve(namespace).resolve(name));
    }

    private static String fileName(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1, got " + attempt);
        }
        return "attempt-" + attempt + ".log";
    }
}
