package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Applies a structural schema's defaults as the API server does after pruning: a field that is absent, or null where
 * the schema does not allow null, gets its default; a null without a default is dropped; then the defaults of the
 * fields below are applied, newly defaulted ones included.
 */
final class SchemaDefaulter {

    private SchemaDefaulter() {
    }

    static void apply(JsonNode value, SchemaNode schema) {
        if (value instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            schema.json().path("properties").fieldNames().forEachRemaining(name -> {
                if (!names.contains(name)) {
                    names.add(name);
                }
            });
            for (String name : names) {
                schema.field(name).ifPresent(field -> defaultField(object, name, field));
            }
        } else if (value != null && value.isArray()) {
            schema.items().ifPresent(items -> value.forEach(item -> apply(item, items)));
        }
    }

    private static void defaultField(ObjectNode object, String name, SchemaNode field) {
        JsonNode current = object.get(name);
        boolean nullNotAllowed = current != null && current.isNull() && !field.nullable();
        if ((current == null || nullNotAllowed) && field.has("default")) {
            object.set(name, field.get("default").deepCopy());
        } else if (nullNotAllowed) {
            object.remove(name);
        }
        JsonNode now = object.get(name);
        if (now != null) {
            apply(now, field);
        }
    }
}
