package dev.nixpool.gateway;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.WireTruncatedException;

/**
 * The inputs one client uploaded before its BuildDerivation named the derivation (and so the builder): each NAR in a file
 * of its own, checked against the narHash and narSize the client declared, in upload order (Nix uploads a closure
 * dependencies first, the order a builder needs them in). Bounded per connection and, through the shared
 * {@link SpoolQuota}, for the gateway as a whole; closing it deletes the files.
 */
public final class InputSpool implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final Path dir;
    private final long maxBytes;
    private final int maxPaths;
    private final SpoolQuota quota;
    private final Map<StorePath, Spooled> paths = new LinkedHashMap<>();
    private final SpoolFile files = new SpoolFile();
    private long bytes;
    private boolean created;

    private record Spooled(ValidPathInfo info, Path file) {
    }

    public InputSpool(Path dir, long maxBytes, int maxPaths, SpoolQuota quota) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.maxPaths = maxPaths;
        this.quota = quota;
    }

    /**
     * Reads exactly {@code info.narSize()} NAR bytes from {@code nar} into the spool. Refused before a byte is read when
     * the NAR would exceed a bound; a NAR whose hash is not the declared one is refused after it was read.
     */
    public void add(ValidPathInfo info, InputStream nar) throws IOException {
        add(info, nar, null);
    }

    /**
     * The same, handing the NAR's bytes as they are read to {@code sink} too (a builder's AddToStoreNar): the client's
     * upload reaches a builder while it is spooled. The sink may read all of it or none; whatever it leaves is read
     * into the spool. A sink's failure is not the client's: the NAR is still spooled whole and checked, and the
     * failure is returned, to give the sink up. A failure of the client's stream or of the spool ends the upload
     * whatever the sink did.
     * <p>
     * The bytes the sink reads are not hashed here: when the sink took the whole NAR and says it checked it (Nix's
     * AddToStoreNar refuses a NAR whose hash or size is not the declared one), hashing it again would only cost CPU on
     * the path every byte of a large upload takes. Otherwise (the sink read none, part or all of it without checking,
     * or failed) the NAR is checked here as without a sink: hashed as it is read if the sink read none of it, else read
     * back from the spool file once it is complete.
     *
     * @param sink null for none
     * @return the sink's failure, if it failed
     */
    public Optional<IOException> add(ValidPathInfo info, InputStream nar, NarSink sink) throws IOException {
        if (paths.containsKey(info.path())) {
            // Nix sends each missing path once; a repeat is skipped like a valid path in a real store
            skip(nar, info.narSize());
            return Optional.empty();
        }
        if (paths.size() >= maxPaths) {
            throw new ClientProtocolException("the gateway holds at most " + maxPaths
                    + " uploaded paths per connection before the build starts; " + info.path() + " is one too many");
        }
        if (bytes + info.narSize() > maxBytes || info.narSize() > maxBytes) {
            throw new ClientProtocolException("uploading " + info.path() + " (" + info.narSize()
                    + " bytes) would exceed the gateway's limit of " + maxBytes
                    + " bytes of inputs per build; build this input on the cluster instead of uploading it");
        }
        if (!quota.reserve(info.narSize())) {
            throw new ClientProtocolException("the gateway's spool is full (other builds are uploading); retry later");
        }
        boolean kept = false;
        Path file = null;
        try {
            ensureDir();
            file = dir.resolve(paths.size() + ".nar");
            MessageDigest sha = NixHash.newSha256();
            IOException sinkFailure = null;
            boolean checkedBySink = false;
            TeeNar tee;
            try (OutputStream out = files.open(file, info.narSize())) {
                tee = new TeeNar(nar, out, sha, info.narSize(), "the NAR of " + info.path());
                if (sink != null) {
                    tee.hashing(false);
                    try {
                        checkedBySink = sink.accept(info, tee) && tee.exhausted();
                    } catch (IOException e) {
                        tee.rethrowOwnFailure();
                        sinkFailure = e;
                    }
                    tee.hashing(tee.hashedAll());
                }
                tee.rethrowOwnFailure();
                tee.drain();
            }
            if (!checkedBySink) {
                NixHash actual = NixHash.sha256(tee.hashedAll() ? sha.digest() : digestOf(file));
                if (!actual.equals(info.narHash())) {
                    throw new ClientProtocolException("hash mismatch importing path '" + info.path()
                            + "';\n  specified: " + info.narHash().toPrefixedNix32() + "\n  got:       "
                            + actual.toPrefixedNix32());
                }
            }
            paths.put(info.path(), new Spooled(info, file));
            bytes += info.narSize();
            kept = true;
            return Optional.ofNullable(sinkFailure);
        } finally {
            if (!kept) {
                quota.release(info.narSize());
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    public boolean contains(StorePath path) {
        return paths.containsKey(path);
    }

    public Optional<ValidPathInfo> info(StorePath path) {
        return Optional.ofNullable(paths.get(path)).map(Spooled::info);
    }

    /** The spooled paths in upload order. */
    public List<ValidPathInfo> infos() {
        return paths.values().stream().map(Spooled::info).toList();
    }

    public List<StorePath> paths() {
        return new ArrayList<>(paths.keySet());
    }

    public List<StorePath> validAmong(Collection<StorePath> asked) {
        return asked.stream().filter(paths::containsKey).toList();
    }

    public InputStream open(StorePath path) throws IOException {
        Spooled s = paths.get(path);
        if (s == null) {
            throw new IllegalArgumentException(path + " is not spooled");
        }
        return new BufferedInputStream(Files.newInputStream(s.file()), BUFFER);
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        quota.release(bytes);
        bytes = 0;
        paths.clear();
        if (!created) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot delete the gateway spool " + dir, e);
        }
    }

    private void ensureDir() throws IOException {
        if (!created) {
            Files.createDirectories(dir);
            created = true;
        }
    }

    /** What reads a NAR as it is spooled. */
    @FunctionalInterface
    public interface NarSink {
        /**
         * Reads as much of {@code nar} as it wants.
         *
         * @return true only if it read the whole NAR and checked it against {@code info}'s narHash and narSize (as
         *         Nix's AddToStoreNar does, answering success only for a NAR that matches); the spool then does not
         *         hash it again
         */
        boolean accept(ValidPathInfo info, InputStream nar) throws IOException;
    }

    private static byte[] digestOf(Path file) throws IOException {
        MessageDigest sha = NixHash.newSha256();
        byte[] buf = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                sha.update(buf, 0, n);
            }
        }
        return sha.digest();
    }

    private static void skip(InputStream in, long size) throws IOException {
        byte[] buf = new byte[BUFFER];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new WireTruncatedException("a repeated NAR", size - left, size);
            }
            left -= n;
        }
    }
}
