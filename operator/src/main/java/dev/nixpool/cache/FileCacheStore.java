package dev.nixpool.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A {@code file:///dir} cache: a directory, as {@code nix copy --to file://} lays it out. Each object is written to a
 * temp file beside its final name and renamed into place, so a reader (a static web server, a substituting Nix) never
 * sees half a file; objects are world-readable, as a cache served by another user must be.
 */
public final class FileCacheStore implements CacheStore {

    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private final Path root;

    public FileCacheStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Renamed into place when the file is on the cache's file system; copied (by Files.move) when it is not. */
    @Override
    public void put(String key, Path file, String contentType) throws IOException {
        place(key, tmp -> Files.move(file, tmp, StandardCopyOption.REPLACE_EXISTING));
    }

    @Override
    public void put(String key, byte[] data, String contentType) throws IOException {
        place(key, tmp -> Files.write(tmp, data));
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(root.resolve(CacheStore.checkKey(key)));
    }

    @Override
    public String location() {
        return "file://" + root;
    }

    /** Fills a temp file beside the object's name and renames it into place, readable by all. */
    private void place(String key, Fill fill) throws IOException {
        Path target = target(key);
        Path tmp = temp(target);
        try {
            fill.into(tmp);
            Files.setPosixFilePermissions(tmp, READABLE);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new CacheStoreException(location() + ": cannot write " + key + ": " + e, e);
        }
    }

    @FunctionalInterface
    private interface Fill {
        void into(Path tmp) throws IOException;
    }

    private Path target(String key) throws CacheStoreException {
        Path target = root.resolve(CacheStore.checkKey(key)).normalize();
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new CacheStoreException(location() + ": cannot create the directory for " + key + ": " + e, e);
        }
        return target;
    }

    private static Path temp(Path target) throws CacheStoreException {
        try {
            return Files.createTempFile(target.getParent(), ".tmp-" + target.getFileName(), "");
        } catch (IOException e) {
            throw new CacheStoreException("cannot create a temp file in " + target.getParent() + ": " + e, e);
        }
    }
}
