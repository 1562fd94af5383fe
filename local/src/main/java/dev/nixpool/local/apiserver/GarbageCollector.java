package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The controller manager's garbage collector, background propagation: an object whose ownerReferences all name
 * owners that no longer exist (absent, or present under the same name with another uid) is deleted, finalizers
 * honoured; one that still has an owner loses only its dangling references. It runs when an owner goes away and when
 * an object is written with owner references, on its own thread, off the request that caused it.
 */
final class GarbageCollector implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GarbageCollector.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObservableCrudStore store;
    private final Discovery discovery;
    private final ApiRequestRouter router;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "nixpool-apiserver-gc");
        t.setDaemon(true);
        return t;
    });
    /** Owner uid to the paths of the objects that name it; only the worker thread touches it. */
    private final Map<String, Set<ResourcePath>> dependents = new HashMap<>();
    private final java.util.function.Consumer<StoreChange> listener = change -> worker.execute(() -> handle(change));

    GarbageCollector(ObservableCrudStore store, Discovery discovery, ApiRequestRouter router) {
        this.store = store;
        this.discovery = discovery;
        this.router = router;
        store.addListener(listener);
    }

    private void handle(StoreChange change) {
        try {
            ResourcePath type = ResourcePath.parse(change.path());
            if (type == null) {
                return;
            }
            JsonNode before = parse(change.before());
            JsonNode after = parse(change.after());
            if (before != null) {
                ownerUids(before).forEach(uid -> Optional.ofNullable(dependents.get(uid))
                        .ifPresent(set -> set.remove(pathOf(type, before))));
            }
            if (after != null) {
                ResourcePath path = pathOf(type, after);
                ownerUids(after).forEach(uid -> dependents.computeIfAbsent(uid, u -> new HashSet<>()).add(path));
                if (!ownerUids(after).equals(before == null ? List.of() : ownerUids(before))) {
                    collect(path);
                }
            } else if (before != null) {
                Set<ResourcePath> owned = dependents.remove(before.path("metadata").path("uid").asText());
                if (owned != null) {
                    new ArrayList<>(owned).forEach(this::collect);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("garbage collection after a write to %s failed: %s", change.path(), e.toString());
        }
    }

    /** attemptToDeleteItem: delete when no owner exists, else drop the references to owners that are gone. */
    private void collect(ResourcePath path) {
        JsonNode object = read(path).orElse(null);
        if (object == null || object.path("metadata").hasNonNull("deletionTimestamp")) {
            return;
        }
        JsonNode references = object.path("metadata").path("ownerReferences");
        List<JsonNode> dangling = new ArrayList<>();
        int solid = 0;
        for (JsonNode reference : references) {
            if (ownerExists(reference, path.namespace())) {
                solid++;
            } else {
                dangling.add(reference);
            }
        }
        if (dangling.isEmpty()) {
            return;
        }
        MockResponse response;
        if (solid == 0) {
            LOG.debugf("deleting %s: its owners are gone", path.storePath());
            response = router.dispatch(request(HttpMethod.DELETE, path, ""));
        } else {
            ObjectNode kept = object.deepCopy();
            ArrayNode remaining = ((ObjectNode) kept.get("metadata")).putArray("ownerReferences");
            references.forEach(r -> {
                if (!dangling.contains(r)) {
                    remaining.add(r);
                }
            });
            response = router.dispatch(request(HttpMethod.PUT, path, kept.toString()));
        }
        if (response.code() >= 300 && response.code() != 404 && response.code() != 409) {
            LOG.warnf("garbage collection of %s failed: %d %s", path.storePath(), response.code(),
                    response.getBody() == null ? "" : response.getBody().readUtf8());
        }
    }

    private boolean ownerExists(JsonNode reference, String namespace) {
        String apiVersion = reference.path("apiVersion").asText();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        Optional<ApiResource> type = discovery.all().stream().filter(r -> r.group().equals(group)
                && r.version().equals(version) && r.kind().equals(reference.path("kind").asText())).findFirst();
        if (type.isEmpty()) {
            // an owner of a kind this server does not serve cannot be looked up: the collector leaves it alone
            return true;
        }
        ResourcePath owner = new ResourcePath(group, version, type.get().namespaced() ? namespace : null,
                type.get().plural(), reference.path("name").asText(), null, Map.of());
        return read(owner).map(o -> Objects.equals(o.path("metadata").path("uid").asText(),
                reference.path("uid").asText())).orElse(false);
    }

    private Optional<JsonNode> read(ResourcePath path) {
        MockResponse stored = store.handleGet(path.storePath());
        if (stored.code() != 200) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(parse(stored.getBody().readUtf8()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static ResourcePath pathOf(ResourcePath type, JsonNode object) {
        JsonNode metadata = object.path("metadata");
        String namespace = metadata.path("namespace").asText(null);
        return new ResourcePath(type.group(), type.version(), namespace == null ? type.namespace() : namespace,
                type.plural(), metadata.path("name").asText(), null, Map.of());
    }

    private static List<String> ownerUids(JsonNode object) {
        List<String> uids = new ArrayList<>();
        object.path("metadata").path("ownerReferences").forEach(r -> uids.add(r.path("uid").asText()));
        return uids;
    }

    private static RecordedRequest request(HttpMethod method, ResourcePath path, String body) {
        return new RecordedRequest("HTTP/1.1", method, path.storePath(),
                Headers.builder().add("Content-Type", "application/json").build(),
                new Buffer(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static JsonNode parse(String json) throws IOException {
        return json == null ? null : JSON.readTree(json);
    }

    @Override
    public void close() {
        store.removeListener(listener);
        worker.shutdownNow();
    }
}
