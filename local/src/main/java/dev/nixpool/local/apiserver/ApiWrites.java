package dev.nixpool.local.apiserver;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many writes (every method but GET, HEAD and OPTIONS) the server answered, per resource and subresource: what the
 * scale benchmark reports as API writes per build.
 */
public final class ApiWrites {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void record(String method, ResourcePath path) {
        if (path == null || method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
            return;
        }
        String resource = path.subresource() != null ? path.plural() + "/" + path.subresource() : path.plural();
        counts.computeIfAbsent(resource, r -> new LongAdder()).increment();
    }

    /** Writes so far, by resource ({@code nixbuilds}, {@code nixbuilds/status}, {@code pods}, ...). */
    public Map<String, Long> byResource() {
        Map<String, Long> result = new TreeMap<>();
        counts.forEach((resource, count) -> result.put(resource, count.sum()));
        return result;
    }
}
