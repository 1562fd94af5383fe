package dev.nixpool.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A cache in memory that records every operation, to check what the writer does in which order. */
final class MemoryCacheStore implements CacheStore {

    final Map<String, byte[]> objects = new LinkedHashMap<>();
    final Map<String, String> contentTypes = new LinkedHashMap<>();
    final List<String> log = new ArrayList<>();

    @Override
    public void put(String key, Path file, String contentType) throws IOException {
        put(key, Files.readAllBytes(file), contentType);
    }

    @Override
    public void put(String key, byte[] data, String contentType) {
        log.add("put " + CacheStore.checkKey(key));
        objects.put(key, data.clone());
        contentTypes.put(key, contentType);
    }

    @Override
    public boolean exists(String key) {
        log.add("exists " + key);
        return objects.containsKey(key);
    }

    @Override
    public String location() {
        return "memory://test";
    }

    List<String> puts() {
        return log.stream().filter(l -> l.startsWith("put ")).map(l -> l.substring(4)).toList();
    }
}
