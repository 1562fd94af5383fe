package dev.nixpool.local.apiserver;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many writes (every method but GET, HEAD and OPTIONS) the server answered, per resource and subresource and per
 * status code of the answer: what the scale benchmark reports as API writes per build, conflicts (409) and refusals
 * told apart from the writes that were stored.
 */
public final class ApiWrites {

    private record Key(String resource, int code) {
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    void record(String method, ResourcePath path, int code) {
        if (path == null || method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
            return;
        }
        String resource = path.subresource() != null ? path.plural() + "/" + path.subresource() : path.plural();
        counts.computeIfAbsent(new Key(resource, code), k -> new LongAdder()).increment();
    }

    /** Writes so far, by resource ({@code nixbuilds}, {@code nixbuilds/status}, {@code pods}, ...), any answer. */
    public Map<String, Long> byResource() {
        Map<String, Long> result = new TreeMap<>();
        counts.forEach((key, count) -> result.merge(key.resource(), count.sum(), Long::sum));
        return result;
    }

    /** Writes so far by resource and then by the status code they were answered with. */
    public Map<String, Map<Integer, Long>> byResourceAndCode() {
        Map<String, Map<Integer, Long>> result = new TreeMap<>();
        counts.forEach((key, count) -> result.computeIfAbsent(key.resource(), r -> new TreeMap<>())
                .merge(key.code(), count.sum(), Long::sum));
        return result;
    }
}
