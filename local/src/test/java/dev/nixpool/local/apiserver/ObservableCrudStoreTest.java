package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The store's name index answers one-object reads and deletes exactly as the Fabric8 mock's scan does: the same
 * sequence of requests against the mock itself and against the indexed store gets the same codes and bodies (the
 * mock's random uids and the clock's timestamps aside), 404s, resourceVersions, finalizers and lists included.
 */
class ObservableCrudStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs every request on both stores and keeps both answers. */
    private static final class Twins {
        final KubernetesCrudDispatcher mock = new KubernetesCrudDispatcher();
        final ObservableCrudStore indexed = new ObservableCrudStore();

        void create(String collection, String body) {
            same(mock.handleCreate(request(HttpMethod.POST, collection, body)),
                    indexed.handleCreate(request(HttpMethod.POST, collection, body)));
        }

        void update(String path, String body) {
            same(mock.handleUpdate(request(HttpMethod.PUT, path, body)),
                    indexed.handleUpdate(request(HttpMethod.PUT, path, body)));
        }

        MockResponse get(String path) {
            return same(mock.handleGet(path), indexed.handleGet(path));
        }

        MockResponse delete(String path) {
            return same(mock.handleDelete(path), indexed.handleDelete(path));
        }

        /** A POST as the mock's PostHandler answers it and as the API server's parsed create does. */
        MockResponse post(String collection, String body) throws Exception {
            return same(mock.handleCreate(request(HttpMethod.POST, collection, body)),
                    indexed.create(collection, (ObjectNode) JSON.readTree(body)));
        }

        /** A PUT as the mock's PutHandler answers it and as the API server's parsed update does. */
        MockResponse put(String path, String body) throws Exception {
            String objectPath = path.endsWith("/status") ? path.substring(0, path.length() - "/status".length()) : path;
            MockResponse stored = indexed.handleGet(objectPath);
            MockResponse parsed = stored.code() == 200
                    ? indexed.update(path, JSON.readTree(body), JSON.readTree(stored.getBody().readUtf8()))
                    : new MockResponse().setResponseCode(404);
            return same(mock.handleUpdate(request(HttpMethod.PUT, path, body)), parsed);
        }
    }

    @Test
    void readsAndDeletesByNameAnswerAsTheMocksScanDoes() throws Exception {
        Twins stores = new Twins();
        stores.create("/api/v1/namespaces/a/pods", pod("a", "web", ""));
        stores.create("/api/v1/namespaces/b/pods", pod("b", "web", ""));
        stores.create("/api/v1/namespaces/a/configmaps", """
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web","namespace":"a"},"data":{"k":"v"}}""");
        stores.create("/api/v1/namespaces", """
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"web"}}""");

        assertThat(stores.get("/api/v1/namespaces/a/pods/web").code()).isEqualTo(200);
        assertThat(metadata(stores.get("/api/v1/namespaces/b/pods/web")).path("namespace").asText()).isEqualTo("b");
        assertThat(stores.get("/api/v1/namespaces/a/configmaps/web").getBody().readUtf8()).contains("\"k\":\"v\"");
        assertThat(stores.get("/api/v1/namespaces/web").code()).isEqualTo(200);
        assertThat(stores.get("/api/v1/namespaces/a/pods/absent").code()).isEqualTo(404);
        assertThat(stores.get("/api/v1/namespaces/c/pods/web").code()).isEqualTo(404);
        // a path that two stored objects match: the mock's first match in store order
        assertThat(stores.get("/api/v1/pods/web").code()).isEqualTo(200);
        assertThat(stores.get("/api/v1/namespaces/a/pods").getBody().readUtf8()).contains("\"web\"");

        String updated = stores.get("/api/v1/namespaces/a/pods/web").getBody().readUtf8().replace("\"spec\":{}",
                "\"spec\":{\"hostname\":\"h\"}");
        stores.update("/api/v1/namespaces/a/pods/web", updated);
        MockResponse read = stores.get("/api/v1/namespaces/a/pods/web");
        assertThat(JSON.readTree(read.getBody().readUtf8()).path("spec").path("hostname").asText()).isEqualTo("h");

        assertThat(stores.delete("/api/v1/namespaces/a/pods/web").code()).isEqualTo(200);
        assertThat(stores.get("/api/v1/namespaces/a/pods/web").code()).isEqualTo(404);
        assertThat(stores.delete("/api/v1/namespaces/a/pods/web").code()).isEqualTo(404);
        assertThat(stores.get("/api/v1/namespaces/b/pods/web").code()).isEqualTo(200);
        assertThat(stores.get("/api/v1/namespaces/a/configmaps/web").code()).isEqualTo(200);
        stores.create("/api/v1/namespaces/a/pods", pod("a", "web", ""));
        assertThat(stores.get("/api/v1/namespaces/a/pods/web").code()).isEqualTo(200);
    }

    @Test
    void aDeleteOfAnObjectWithFinalizersMarksItOnceAndLeavesItStored() throws Exception {
        Twins stores = new Twins();
        stores.create("/api/v1/namespaces/a/pods", pod("a", "held", "\"finalizers\":[\"nixpool.dev/x\"],"));

        stores.delete("/api/v1/namespaces/a/pods/held");
        JsonNode marked = metadata(stores.get("/api/v1/namespaces/a/pods/held"));
        assertThat(marked.hasNonNull("deletionTimestamp")).isTrue();
        String version = marked.path("resourceVersion").asText();

        stores.delete("/api/v1/namespaces/a/pods/held");
        assertThat(metadata(stores.get("/api/v1/namespaces/a/pods/held")).path("resourceVersion").asText())
                .isEqualTo(version);

        ObjectNode released = (ObjectNode) JSON
                .readTree(stores.get("/api/v1/namespaces/a/pods/held").getBody().readUtf8());
        ((ObjectNode) released.get("metadata")).remove("finalizers");
        stores.update("/api/v1/namespaces/a/pods/held", released.toString());
        stores.delete("/api/v1/namespaces/a/pods/held");
        assertThat(stores.get("/api/v1/namespaces/a/pods/held").code()).isEqualTo(404);
    }

    @Test
    void anIndexedDeleteIsReportedToListenersAsTheMocksIs() {
        ObservableCrudStore store = new ObservableCrudStore();
        List<StoreChange> changes = new ArrayList<>();
        store.addListener(changes::add);
        store.handleCreate(request(HttpMethod.POST, "/api/v1/namespaces/a/pods", pod("a", "web", "")));

        store.handleDelete("/api/v1/namespaces/a/pods/web");

        assertThat(changes).hasSize(2);
        assertThat(changes.get(1).before()).contains("\"web\"");
        assertThat(changes.get(1).after()).isNull();
    }

    @Test
    void aParsedUpdateStoresAndAnswersWhatTheMocksPutDoes() throws Exception {
        Twins stores = new Twins();
        List<StoreChange> changes = new ArrayList<>();
        stores.indexed.addListener(changes::add);
        stores.create("/api/v1/namespaces/a/pods", pod("a", "web", "\"finalizers\":[\"nixpool.dev/x\"],"));
        String path = "/api/v1/namespaces/a/pods/web";
        ObjectNode current = (ObjectNode) JSON.readTree(stores.get(path).getBody().readUtf8());

        // the spec: generation and resourceVersion move on, the watchers get the writer's tree with the text
        ObjectNode spec = current.deepCopy();
        spec.putObject("spec").put("hostname", "h");
        ((ObjectNode) spec.get("metadata")).putObject("labels").put("team", "a");
        JsonNode written = JSON.readTree(stores.put(path, spec.toString()).getBody().readUtf8());
        assertThat(written.path("metadata").path("generation").asInt()).isEqualTo(2);
        StoreChange change = changes.get(changes.size() - 1);
        assertThat(change.parsedAfter()).isEqualTo(JSON.readTree(change.after()));
        assertThat(change.parsedBefore()).isEqualTo(JSON.readTree(change.before()));
        // keyed by its new labels as the mock keys it
        assertThat(stores.get("/api/v1/namespaces/a/pods?labelSelector=team%3Da").getBody().readUtf8())
                .contains("\"hostname\":\"h\"");
        assertThat(stores.get(path).code()).isEqualTo(200);

        // the same object again: nothing changes, nobody is told
        int told = changes.size();
        stores.put(path, written.toString());
        assertThat(changes).hasSize(told);

        // metadata alone: a new resourceVersion, the same generation
        ObjectNode relabelled = written.deepCopy();
        ((ObjectNode) relabelled.path("metadata").path("labels")).put("tier", "b");
        JsonNode afterLabels = JSON.readTree(stores.put(path, relabelled.toString()).getBody().readUtf8());
        assertThat(afterLabels.path("metadata").path("generation").asInt()).isEqualTo(2);
        assertThat(afterLabels.path("metadata").path("resourceVersion").asText())
                .isNotEqualTo(written.path("metadata").path("resourceVersion").asText());

        // a status write keeps everything else; a stale one, a mismatched name or no kind are refused alike
        ObjectNode status = (ObjectNode) JSON.readTree(stores.get(path).getBody().readUtf8());
        status.putObject("status").put("phase", "Running");
        ((ObjectNode) status.get("spec")).put("hostname", "ignored");
        JsonNode afterStatus = JSON.readTree(stores.put(path + "/status", status.toString()).getBody().readUtf8());
        assertThat(afterStatus.path("spec").path("hostname").asText()).isEqualTo("h");
        assertThat(afterStatus.path("status").path("phase").asText()).isEqualTo("Running");
        assertThat(stores.put(path, spec.toString()).code()).isEqualTo(409);
        ObjectNode renamed = afterStatus.deepCopy();
        ((ObjectNode) renamed.get("metadata")).put("name", "other");
        assertThat(stores.put(path, renamed.toString()).code()).isEqualTo(400);
        ObjectNode kindless = afterStatus.deepCopy();
        kindless.remove("kind");
        assertThat(stores.put(path, kindless.toString()).code()).isEqualTo(422);
        assertThat(stores.put("/api/v1/namespaces/a/pods/absent", pod("a", "absent", "")).code()).isEqualTo(404);

        // the last finalizer removed from an object marked for deletion deletes it
        stores.delete(path);
        ObjectNode released = (ObjectNode) JSON.readTree(stores.get(path).getBody().readUtf8());
        ((ObjectNode) released.get("metadata")).remove("finalizers");
        stores.put(path, released.toString());
        assertThat(stores.get(path).code()).isEqualTo(404);
        assertThat(changes.get(changes.size() - 1).after()).isNull();
    }

    @Test
    void aParsedCreateStoresAndAnswersWhatTheMocksPostDoes() throws Exception {
        Twins stores = new Twins();
        List<StoreChange> changes = new ArrayList<>();
        stores.indexed.addListener(changes::add);
        String collection = "/api/v1/namespaces/a/pods";
        // fields out of the usual order, metadata the server sets, a status, a metadata field ObjectMeta lacks
        String web = "{\"spec\":{\"hostname\":\"h\"},\"kind\":\"Pod\",\"status\":{\"phase\":\"Running\"},"
                + "\"metadata\":{\"labels\":{\"team\":\"a\"},\"name\":\"web\",\"uid\":\"mine\",\"generation\":7,"
                + "\"resourceVersion\":\"99\",\"deletionTimestamp\":\"2020-01-01T00:00:00Z\",\"finalizers\":[\"x/y\"],"
                + "\"unknownToObjectMeta\":{\"k\":1}},\"apiVersion\":\"v1\"}";
        JsonNode created = JSON.readTree(stores.post(collection, web).getBody().readUtf8());
        assertThat(created.path("metadata").path("namespace").asText()).isEqualTo("a");
        assertThat(created.path("metadata").path("generation").asInt()).isEqualTo(1);
        assertThat(created.path("metadata").has("deletionTimestamp")).isFalse();
        StoreChange change = changes.get(changes.size() - 1);
        assertThat(change.before()).isNull();
        assertThat(change.parsedAfter()).isEqualTo(JSON.readTree(change.after()));
        assertThat(stores.get(collection + "/web").code()).isEqualTo(200);
        assertThat(stores.get(collection + "?labelSelector=team%3Da").getBody().readUtf8()).contains("\"web\"");

        // refused alike: the same name again, another namespace than the path's, no kind, no name
        assertThat(stores.post(collection, web).code()).isEqualTo(409);
        assertThat(stores.post(collection, pod("b", "other", "")).code()).isEqualTo(400);
        ObjectNode kindless = (ObjectNode) JSON.readTree(pod("a", "kindless", ""));
        kindless.remove("kind");
        assertThat(stores.post(collection, kindless.toString()).code()).isEqualTo(422);
        assertThat(stores.post(collection, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{}}").code())
                .isEqualTo(422);

        // a generated name (random on both sides, so compared by its form) and a namespace taken from the path
        String generated = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"generateName\":\"gen\"}}";
        MockResponse fromMock = stores.mock.handleCreate(request(HttpMethod.POST, collection, generated));
        MockResponse parsed = stores.indexed.create(collection, (ObjectNode) JSON.readTree(generated));
        assertThat(parsed.code()).isEqualTo(fromMock.code()).isEqualTo(201);
        JsonNode ours = metadata(parsed);
        assertThat(ours.path("name").asText()).startsWith("gen-");
        assertThat(metadata(fromMock).path("name").asText()).startsWith("gen-");
        assertThat(ours.path("namespace").asText()).isEqualTo("a");
    }

    private static String pod(String namespace, String name, String extraMetadata) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{" + extraMetadata + "\"name\":\"" + name
                + "\",\"namespace\":\"" + namespace + "\"},\"spec\":{}}";
    }

    private static JsonNode metadata(MockResponse response) throws Exception {
        return JSON.readTree(response.getBody().readUtf8()).path("metadata");
    }

    /** Both answers agree in code and body, but for what the mock makes up anew each time. */
    private static MockResponse same(MockResponse mock, MockResponse indexed) {
        assertThat(indexed.code()).isEqualTo(mock.code());
        assertThat(comparable(indexed)).isEqualTo(comparable(mock));
        return indexed;
    }

    private static String comparable(MockResponse response) {
        if (response.getBody() == null) {
            return "";
        }
        // reading the body consumes it: put it back for the test's own reads
        String body = response.getBody().readUtf8();
        response.setBody(body);
        try {
            JsonNode tree = JSON.readTree(body);
            strip(tree);
            return tree.toString();
        } catch (Exception e) {
            return body;
        }
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object && object.get("metadata") instanceof ObjectNode metadata) {
            metadata.remove("uid");
            metadata.remove("creationTimestamp");
            if (metadata.has("deletionTimestamp")) {
                metadata.put("deletionTimestamp", "set");
            }
        }
        node.path("items").forEach(ObservableCrudStoreTest::strip);
    }

    private static RecordedRequest request(HttpMethod method, String path, String body) {
        return new RecordedRequest("HTTP/1.1", method, path,
                Headers.builder().add("Content-Type", "application/json").build(),
                new Buffer(body.getBytes(StandardCharsets.UTF_8)));
    }
}
