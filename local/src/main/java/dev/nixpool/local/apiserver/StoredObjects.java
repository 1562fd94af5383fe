package dev.nixpool.local.apiserver;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Every write to objects of one resource type in one namespace, seen where the store makes it: for an observer in the
 * server's own process (a benchmark) that must not be one more watching client. A watch costs the server an event text
 * per write and its client a parse into typed objects; on the 2 cores of a scale benchmark that observer competed with
 * the server it measured.
 */
final class StoredObjects implements Consumer<StoreChange> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String group;
    private final String plural;
    private final String namespace;
    private final BiConsumer<String, JsonNode> sink;

    StoredObjects(String group, String plural, String namespace, BiConsumer<String, JsonNode> sink) {
        this.group = group;
        this.plural = plural;
        this.namespace = namespace;
        this.sink = sink;
    }

    @Override
    public void accept(StoreChange change) {
        ResourcePath path = ResourcePath.parse(change.path());
        if (path == null || !group.equals(path.group()) || !plural.equals(path.plural())
                || !namespace.equals(path.namespace())) {
            return;
        }
        JsonNode after = change.after() == null ? null : parsed(change.parsedAfter(), change.after());
        JsonNode named = after != null ? after : parsed(change.parsedBefore(), change.before());
        if (named != null) {
            sink.accept(named.path("metadata").path("name").asText(), after);
        }
    }

    private static JsonNode parsed(JsonNode tree, String text) {
        if (tree != null || text == null) {
            return tree;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // the store holds only what it printed itself
            throw new IllegalStateException("the store holds an object that is not JSON: " + e.getMessage(), e);
        }
    }
}
