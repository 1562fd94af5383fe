package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A label or field selector in the API server's syntax: comma-separated requirements {@code k=v}, {@code k==v},
 * {@code k!=v}, and for labels also {@code k} (exists) and {@code !k} (does not exist).
 */
final class Selector {

    private enum Op {
        EQUALS, NOT_EQUALS, EXISTS, NOT_EXISTS
    }

    private record Requirement(String key, Op op, String value) {
    }

    private final boolean fields;
    private final List<Requirement> requirements;

    private Selector(boolean fields, List<Requirement> requirements) {
        this.fields = fields;
        this.requirements = requirements;
    }

    static Selector everything() {
        return new Selector(false, List.of());
    }

    static Selector labels(String text) {
        return new Selector(false, parse(text, false));
    }

    static Selector fields(String text) {
        return new Selector(true, parse(text, true));
    }

    private static List<Requirement> parse(String text, boolean fields) {
        List<Requirement> result = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return result;
        }
        for (String raw : text.split(",")) {
            String r = raw.trim();
            int ne = r.indexOf("!=");
            int eq = r.indexOf('=');
            if (ne > 0) {
                result.add(new Requirement(r.substring(0, ne), Op.NOT_EQUALS, r.substring(ne + 2)));
            } else if (eq > 0) {
                String value = r.startsWith("==", eq) ? r.substring(eq + 2) : r.substring(eq + 1);
                result.add(new Requirement(r.substring(0, eq), Op.EQUALS, value));
            } else if (!fields && r.startsWith("!") && r.length() > 1) {
                result.add(new Requirement(r.substring(1), Op.NOT_EXISTS, null));
            } else if (!fields && !r.isEmpty()) {
                result.add(new Requirement(r, Op.EXISTS, null));
            } else {
                throw new IllegalArgumentException("invalid " + (fields ? "field" : "label")
                        + " selector requirement '" + r + "': expected key=value, key==value or key!=value"
                        + (fields ? "" : ", key or !key"));
            }
        }
        return result;
    }

    boolean isEmpty() {
        return requirements.isEmpty();
    }

    boolean matches(JsonNode object) {
        for (Requirement r : requirements) {
            String actual = fields ? fieldValue(object, r.key) : labelValue(object, r.key);
            boolean ok = switch (r.op) {
                case EQUALS -> r.value.equals(actual == null ? "" : actual);
                case NOT_EQUALS -> !r.value.equals(actual == null ? "" : actual);
                case EXISTS -> actual != null;
                case NOT_EXISTS -> actual == null;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String labelValue(JsonNode object, String key) {
        JsonNode v = object.path("metadata").path("labels").get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Field selectors address dotted paths into the object (metadata.name, involvedObject.uid, ...). */
    private static String fieldValue(JsonNode object, String key) {
        JsonNode node = object;
        for (String part : key.split("\\.")) {
            node = node.path(part);
        }
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    static Selector forQuery(Map<String, String> query, String param, boolean fields) {
        String text = query.get(param);
        return fields ? fields(text) : labels(text);
    }
}
