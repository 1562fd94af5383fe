package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Drops the fields a structural schema does not declare, as the API server does when it decodes a custom resource:
 * apiVersion, kind and metadata stay at the root (and in embedded resources); below a node with
 * x-kubernetes-preserve-unknown-fields or a map's additionalProperties nothing unknown is dropped.
 */
final class SchemaPruner {

    private SchemaPruner() {
    }

    /** Prunes {@code object} in place and returns the paths of the dropped fields, e.g. {@code spec.foo}. */
    static List<String> prune(ObjectNode object, SchemaNode root) {
        List<String> dropped = new ArrayList<>();
        pruneObject(object, root, "", true, dropped);
        return dropped;
    }

    private static void prune(JsonNode value, SchemaNode schema, String path, List<String> dropped) {
        if (value instanceof ObjectNode object) {
            pruneObject(object, schema, path, schema.embeddedResource(), dropped);
        } else if (value != null && value.isArray()) {
            schema.items().ifPresent(items -> {
                for (int i = 0; i < value.size(); i++) {
                    prune(value.get(i), items, SchemaNode.index(path, i), dropped);
                }
            });
        }
    }

    private static void pruneObject(ObjectNode object, SchemaNode schema, String path, boolean resource,
            List<String> dropped) {
        for (String name : new ArrayList<>(iterable(object))) {
            if (resource && SchemaNode.OBJECT_META_FIELDS.contains(name) && schema.property(name).isEmpty()) {
                continue;
            }
            String child = SchemaNode.child(path, name);
            var field = schema.field(name);
            if (field.isPresent()) {
                prune(object.get(name), field.get(), child, dropped);
            } else if (!schema.allowsUnknown()) {
                object.remove(name);
                dropped.add(child);
            }
        }
    }

    private static List<String> iterable(ObjectNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
