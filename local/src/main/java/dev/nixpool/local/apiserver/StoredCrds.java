package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.mockwebserver.http.MockResponse;

/**
 * The CustomResourceDefinitions in the store, read again only after one of them was written. Discovery looks them up on
 * every request (the type of the request's resource, its schema, its printer columns); reading them from the store
 * each time scanned every stored object and parsed every CRD, which was most of what a status write cost once
 * thousands of NixBuilds were stored. The same list instance is handed out until a CRD changes, so what is derived
 * from it can be kept as long (see {@link Discovery}).
 */
final class StoredCrds implements Supplier<List<JsonNode>> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    private record Snapshot(long changes, List<JsonNode> crds) {
    }

    private final ObservableCrudStore store;
    /** CRD writes seen so far; a snapshot taken at an older count is stale. */
    private final AtomicLong changes = new AtomicLong();
    private volatile Snapshot snapshot;

    StoredCrds(ObservableCrudStore store) {
        this.store = store;
        store.addListener(change -> {
            if (isCrd(change.path())) {
                changes.incrementAndGet();
            }
        });
    }

    static boolean isCrd(String path) {
        ResourcePath parsed = ResourcePath.parse(path);
        return parsed != null && parsed.group().equals("apiextensions.k8s.io")
                && parsed.plural().equals("customresourcedefinitions");
    }

    @Override
    public List<JsonNode> get() {
        Snapshot current = snapshot;
        // read before the store is: a CRD written during the read makes this snapshot stale at once
        long seen = changes.get();
        if (current != null && current.changes() == seen) {
            return current.crds();
        }
        List<JsonNode> crds = read();
        snapshot = new Snapshot(seen, crds);
        return crds;
    }

    private List<JsonNode> read() {
        MockResponse response = store.handleGet(PATH);
        try {
            List<JsonNode> result = new ArrayList<>();
            JSON.readTree(response.getBody().readUtf8()).path("items").forEach(result::add);
            return List.copyOf(result);
        } catch (IOException e) {
            throw new IllegalStateException("the store returned a CRD list that is not JSON", e);
        }
    }
}
