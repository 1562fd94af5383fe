package dev.nixpool.local.apiserver;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON merge patch (RFC 7386): objects merge recursively, null deletes a member, everything else (arrays included)
 * replaces the target value. Strategic-merge and apply patches are applied with these semantics too; their
 * directive keys ({@code $patch}, {@code $retainKeys}, {@code $setElementOrder/...}, {@code $deleteFromPrimitiveList/...})
 * only refine list handling that a plain replacement already covers, so they are dropped.
 */
final class MergePatch {

    private MergePatch() {
    }

    static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject()
                ? ((ObjectNode) target).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            if (key.startsWith("$")) {
                continue;
            }
            JsonNode value = field.getValue();
            if (value.isNull()) {
                result.remove(key);
            } else {
                result.set(key, apply(result.get(key), value));
            }
        }
        return result;
    }
}
