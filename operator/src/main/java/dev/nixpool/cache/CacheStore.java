package dev.nixpool.cache;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a binary cache's objects go: the two things the writer needs from a destination, put an object and ask
 * whether one exists. Keys are cache-relative ({@code nix-cache-info}, {@code <hash>.narinfo},
 * {@code nar/<fileHash>.nar.xz}). Errors are {@link CacheStoreException}s carrying the destination's own message.
 */
public interface CacheStore extends AutoCloseable {

    /**
     * Puts a file the caller gives up (the writer's staged NAR): a store that can move it into place does so instead of
     * writing a NAR of a GiB a second time, so the file may be gone afterwards.
     */
    void put(String key, Path file, String contentType) throws IOException;

    void put(String key, byte[] data, String contentType) throws IOException;

    boolean exists(String key) throws IOException;

    /** The destination for messages: its URI without credentials. */
    String location();

    @Override
    default void close() throws IOException {
    }

    /** Keys come from the writer, but a store must never be steered outside its root by one. */
    static String checkKey(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("\\") || key.contains("//")
                || key.equals("..") || key.startsWith("../") || key.contains("/../") || key.endsWith("/..")) {
            throw new IllegalArgumentException("not a cache-relative object key: '" + key + "'");
        }
        return key;
    }
}
