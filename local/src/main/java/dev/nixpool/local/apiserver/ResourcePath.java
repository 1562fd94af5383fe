package dev.nixpool.local.apiserver;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A REST path of the Kubernetes API split into its parts:
 * {@code /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]]} or {@code /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME[/SUB]]}.
 */
record ResourcePath(String group, String version, String namespace, String plural, String name, String subresource,
        Map<String, String> query) {

    /** The path parsed, or null when it does not address a resource (discovery documents, /version, ...). */
    static ResourcePath parse(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        Map<String, String> query = parseQuery(q < 0 ? "" : pathAndQuery.substring(q + 1));
        List<String> s = List.of(path.replaceAll("^/+|/+$", "").split("/"));
        int rest;
        String group;
        String version;
        if (s.size() >= 3 && s.get(0).equals("api")) {
            group = "";
            version = s.get(1);
            rest = 2;
        } else if (s.size() >= 4 && s.get(0).equals("apis")) {
            group = s.get(1);
            version = s.get(2);
            rest = 3;
        } else {
            return null;
        }
        List<String> r = s.subList(rest, s.size());
        if (r.size() >= 3 && r.get(0).equals("namespaces")) {
            return new ResourcePath(group, version, r.get(1), r.get(2), at(r, 3), at(r, 4), query);
        }
        return new ResourcePath(group, version, null, r.get(0), at(r, 1), at(r, 2), query);
    }

    private static String at(List<String> parts, int index) {
        return parts.size() > index ? parts.get(index) : null;
    }

    static Map<String, String> parseQuery(String query) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            result.put(URLDecoder.decode(key, StandardCharsets.UTF_8),
                    URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return result;
    }

    String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    String param(String key) {
        return query.get(key);
    }

    boolean isWatch() {
        String watch = query.get("watch");
        return "true".equals(watch) || "1".equals(watch);
    }

    /** The same path without query, as the store keys it. */
    String storePath() {
        StringBuilder b = new StringBuilder(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
        if (namespace != null) {
            b.append("/namespaces/").append(namespace);
        }
        b.append('/').append(plural);
        if (name != null) {
            b.append('/').append(name);
        }
        if (subresource != null) {
            b.append('/').append(subresource);
        }
        return b.toString();
    }

    /** The collection this object lives in (for creating it). */
    ResourcePath collection() {
        return new ResourcePath(group, version, namespace, plural, null, null, Map.of());
    }

    ResourcePath withoutSubresource() {
        return new ResourcePath(group, version, namespace, plural, name, null, query);
    }
}
