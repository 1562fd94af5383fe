package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;

/**
 * Answers one (non-streaming) API request: discovery, /version and /openapi itself; reads with field selectors and
 * Tables on top of the store; every kind of PATCH as read-modify-PUT (so merge semantics are RFC 7386 and the store's
 * status-subresource, generation and finalizer rules apply to patches too); DELETE honouring finalizers. The rest goes
 * to the mock's CRUD store unchanged, including its WebSocket watches that the Fabric8 client uses.
 */
final class ApiRequestRouter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String VERSION = """
            {"major":"1","minor":"32","gitVersion":"v1.32.0-nixpool-local","gitCommit":"","gitTreeState":"clean",\
            "buildDate":"1970-01-01T00:00:00Z","goVersion":"","compiler":"","platform":"linux/amd64"}""";

    /** A page of stored objects and the store's resourceVersion when it was read. */
    record Listing(List<JsonNode> items, String resourceVersion) {
    }

    private final ObservableCrudStore store;
    private final Discovery discovery;
    private final TableRenderer tables;
    /** Read-modify-write sequences (patch, delete) must not interleave with other writes. */
    private final Object writes = new Object();
    private final ScaleEndpoint scale;
    private final CustomResourceAdmission admission = new CustomResourceAdmission();
    private final PodAdmission pods;

    ApiRequestRouter(ObservableCrudStore store, Discovery discovery, TableRenderer tables) {
        this.store = store;
        this.discovery = discovery;
        this.tables = tables;
        this.scale = new ScaleEndpoint(store, discovery, writes, this::update);
        this.pods = new PodAdmission(store);
    }

    /** Compiles the stored CRDs' validation rules now, so that no write waits for it. */
    void compileRules() {
        admission.compileRules(discovery.all());
    }

    MockResponse dispatch(RecordedRequest request) {
        String pathAndQuery = request.getPath();
        ResourcePath path = ResourcePath.parse(pathAndQuery);
        try {
            return route(request, pathAndQuery, path);
        } catch (ApiErrors.Failure e) {
            return json(e.code(), e.status().toString());
        } catch (IllegalArgumentException | IOException e) {
            return error(400, e.getMessage(), path);
        }
    }

    private MockResponse route(RecordedRequest request, String pathAndQuery, ResourcePath path) throws IOException {
        String bare = pathAndQuery.split("\\?", 2)[0];
        HttpMethod method = request.method();
        if (method == HttpMethod.GET) {
            if (bare.equals("/version")) {
                return json(200, VERSION);
            }
            if (bare.equals("/openapi/v2")) {
                // kubectl's client-side validation reads this; an empty document means "no schemas known"
                return new MockResponse().setResponseCode(200).setBody("");
            }
            if (bare.startsWith("/openapi")) {
                return error(404, "OpenAPI v3 is not served by the embedded API server", null);
            }
            var document = discovery.document(bare);
            if (document.isPresent()) {
                return json(200, document.get().toString());
            }
        }
        if (method == HttpMethod.POST && bare.equals(RulesReview.PATH)) {
            return json(201, RulesReview.answer(JSON.readTree(request.getUtf8Body())).toString());
        }
        if (path == null) {
            return error(404, "the server could not find the requested resource", null);
        }
        String contentType = request.getHeader("Content-Type");
        if (contentType != null && !contentType.contains("json") && !contentType.contains("yaml")) {
            // kubectl's typed commands (create namespace, create secret, ...) send protobuf
            return error(415, "the embedded API server only accepts JSON or YAML bodies, got '" + contentType
                    + "'; use kubectl apply -f with a manifest instead", path);
        }
        if ("scale".equals(path.subresource()) && !path.isWatch()) {
            return scale.serve(method, path, request);
        }
        return switch (method) {
            case GET -> path.isWatch()
                    ? store.dispatch(request)
                    : path.name() == null ? list(path, request) : get(path, request);
            case PATCH -> patch(path, request);
            case DELETE -> path.name() == null ? normalize(store.dispatch(request), path) : delete(path);
            case POST -> create(path, request);
            case PUT -> put(path, request);
            default -> error(405, method + " is not supported", path);
        };
    }

    /**
     * A create: custom resources are pruned, defaulted and validated first (their status dropped when the type has a
     * status subresource, as the API server resets it), the rest goes to the store as sent.
     */
    private MockResponse create(ResourcePath path, RecordedRequest request) throws IOException {
        RecordedRequest create = request;
        List<String> warnings = List.of();
        ApiResource type = path.name() == null
                ? discovery.find(path.group(), path.version(), path.plural()).orElse(null)
                : null;
        if (path.name() == null && path.group().isEmpty() && path.plural().equals("pods")) {
            // reading the body consumes it: the store gets a copy
            String body = request.getUtf8Body();
            pods.admit(path, readBody(body));
            create = new RecordedRequest(request.getHttpVersion(), HttpMethod.POST, request.getPath(),
                    request.getHeaders(), new Buffer(body.getBytes(StandardCharsets.UTF_8)));
        } else if (type != null && (type.scale() != null || type.schema() != null)) {
            // reading the body consumes it: the store gets a copy
            JsonNode body = readBody(request.getUtf8Body());
            if (body instanceof ObjectNode object && type.schema() != null) {
                if (type.statusSubresource()) {
                    object.remove("status");
                }
                warnings = admission.admit(type, object, null, fieldValidation(path), false);
            }
            validateScaleFields(path, body);
            if (body instanceof ObjectNode parsed) {
                // stored from the tree admission read, not printed for the mock to parse again
                synchronized (writes) {
                    return warn(normalize(store.create(request.getPath(), parsed), path), warnings);
                }
            }
            create = new RecordedRequest(request.getHttpVersion(), HttpMethod.POST, request.getPath(),
                    request.getHeaders(), new Buffer(JSON.writeValueAsBytes(body)));
        }
        synchronized (writes) {
            return warn(normalize(store.dispatch(create), path), warnings);
        }
    }

    private static CustomResourceAdmission.FieldValidation fieldValidation(ResourcePath path) {
        return CustomResourceAdmission.FieldValidation.of(path.param("fieldValidation"));
    }

    /** The API server's warnings as Warning headers (code 299), which kubectl prints as "Warning: ...". */
    private static MockResponse warn(MockResponse response, List<String> warnings) {
        if (response.code() < 300) {
            warnings.forEach(w -> response.addHeader("Warning", "299 - " + GoValues.quote(w)));
        }
        return response;
    }

    private MockResponse get(ResourcePath path, RecordedRequest request) throws IOException {
        MockResponse stored = store.handleGet(path.storePath());
        if (stored.code() != 200) {
            return normalize(stored, path);
        }
        if (!wantsTable(request)) {
            return json(200, stored.getBody().readUtf8());
        }
        JsonNode object = JSON.readTree(stored.getBody().readUtf8());
        return json(200, tables.render(columns(path), List.of(object),
                object.path("metadata").path("resourceVersion").asText(null),
                TableRenderer.IncludeObject.fromQuery(path.param("includeObject")), true).toString());
    }

    private MockResponse list(ResourcePath path, RecordedRequest request) throws IOException {
        if (!wantsTable(request) && path.param("labelSelector") == null && path.param("fieldSelector") == null) {
            ResourcePath all = new ResourcePath(path.group(), path.version(), path.namespace(), path.plural(), null,
                    null, java.util.Map.of());
            String kind = discovery.find(path.group(), path.version(), path.plural()).map(r -> r.kind() + "List")
                    .orElse("List");
            var unfiltered = StoreLists.relabel(store.handleGet(all.storePath()).getBody().readUtf8(),
                    path.apiVersion(), kind);
            if (unfiltered.isPresent()) {
                return json(200, unfiltered.get());
            }
        }
        Listing listing = listing(path);
        if (wantsTable(request)) {
            return json(200, tables.render(columns(path), listing.items(), listing.resourceVersion(),
                    TableRenderer.IncludeObject.fromQuery(path.param("includeObject")), true).toString());
        }
        ObjectNode list = JSON.createObjectNode();
        list.put("apiVersion", path.apiVersion());
        list.put("kind", discovery.find(path.group(), path.version(), path.plural())
                .map(r -> r.kind() + "List").orElse("List"));
        list.putObject("metadata").put("resourceVersion", listing.resourceVersion());
        list.putArray("items").addAll(listing.items());
        return json(200, list.toString());
    }

    /** The objects of a collection that pass the path's namespace, label and field selectors. */
    Listing listing(ResourcePath path) throws IOException {
        Selector labels = Selector.forQuery(path.query(), "labelSelector", false);
        Selector fields = Selector.forQuery(path.query(), "fieldSelector", true);
        ResourcePath all = new ResourcePath(path.group(), path.version(), path.namespace(), path.plural(), null, null,
                java.util.Map.of());
        JsonNode stored = JSON.readTree(store.handleGet(all.storePath()).getBody().readUtf8());
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : stored.path("items")) {
            if (labels.matches(item) && fields.matches(item)) {
                items.add(item);
            }
        }
        return new Listing(items, stored.path("metadata").path("resourceVersion").asText("0"));
    }

    List<PrinterColumn> columns(ResourcePath path) {
        return discovery.find(path.group(), path.version(), path.plural()).map(ApiResource::columns)
                .orElse(PrinterColumn.defaults());
    }

    /**
     * A request body as a tree. kubectl and the Fabric8 client send JSON, also under {@code apply-patch+yaml}; YAML's
     * parser reads JSON too, but it was a third of a NixBuild create's samples in a profile, so JSON is tried first and a body
     * that is not JSON (a YAML manifest) goes to the YAML parser, which also words the errors of a body that is
     * neither.
     */
    static JsonNode readBody(String body) throws IOException {
        int first = 0;
        while (first < body.length() && Character.isWhitespace(body.charAt(first))) {
            first++;
        }
        if (first < body.length() && (body.charAt(first) == '{' || body.charAt(first) == '[')) {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException notJson) {
                // a YAML flow mapping ({a: b}) starts as JSON does
            }
        }
        return YAML.readTree(body);
    }

    static boolean wantsTable(RecordedRequest request) {
        String accept = request.getHeader("Accept");
        return accept != null && accept.contains("as=Table");
    }

    private MockResponse patch(ResourcePath path, RecordedRequest request) throws IOException {
        String contentType = String.valueOf(request.getHeader("Content-Type"));
        String body = request.getUtf8Body();
        synchronized (writes) {
            MockResponse stored = store.handleGet(path.withoutSubresource().storePath());
            if (stored.code() == 404 && contentType.startsWith("application/apply-patch")) {
                // server-side apply creates what does not exist yet
                JsonNode object = readBody(body);
                ApiResource type = discovery.find(path.group(), path.version(), path.plural()).orElse(null);
                List<String> warnings = List.of();
                if (type != null && object instanceof ObjectNode created) {
                    if (type.statusSubresource()) {
                        created.remove("status");
                    }
                    warnings = admission.admit(type, created, null, fieldValidation(path), false);
                }
                return warn(normalize(store.handleCreate(request(HttpMethod.POST, path.collection().storePath(),
                        request, JSON.writeValueAsString(object))), path), warnings);
            }
            if (stored.code() != 200) {
                return normalize(stored, path);
            }
            JsonNode current = JSON.readTree(stored.getBody().readUtf8());
            JsonNode patched;
            if (contentType.startsWith("application/json-patch+json")) {
                patched = JsonPatch.apply(JSON.readTree(body), current);
            } else if (contentType.startsWith("application/merge-patch+json")
                    || contentType.startsWith("application/strategic-merge-patch+json")) {
                patched = MergePatch.apply(current, JSON.readTree(body));
            } else if (contentType.startsWith("application/apply-patch")) {
                patched = MergePatch.apply(current, readBody(body));
            } else {
                return error(415, "unsupported patch type '" + contentType + "': expected application/json-patch+json,"
                        + " application/merge-patch+json, application/strategic-merge-patch+json or"
                        + " application/apply-patch+yaml", path);
            }
            return update(path, patched, current, request);
        }
    }

    private MockResponse put(ResourcePath path, RecordedRequest request) throws IOException {
        JsonNode body = JSON.readTree(request.getUtf8Body());
        if (body == null || !body.isObject()) {
            return error(400, "expected a JSON object as the body of PUT " + path.storePath(), path);
        }
        synchronized (writes) {
            MockResponse stored = store.handleGet(path.withoutSubresource().storePath());
            if (stored.code() != 200) {
                return normalize(stored, path);
            }
            JsonNode current = JSON.readTree(stored.getBody().readUtf8());
            if (stale(body, current)) {
                return error(409, ApiErrors.conflictMessage(path), path);
            }
            return update(path, body, current, request);
        }
    }

    /**
     * Whether a PUT names a resourceVersion other than the stored one: refused with a 409, as the API server does, for
     * the status subresource too. The mock checks it for writes of the main resource only (for /status it compares the
     * stored object with itself), so a status written from a stale read landed on whatever had changed meanwhile, e.g.
     * an object just marked for deletion; the operator's informer then took the mark for its own write and never saw
     * the deletion.
     */
    private static boolean stale(JsonNode body, JsonNode current) {
        String given = body.path("metadata").path("resourceVersion").asText("");
        return !given.isEmpty() && !given.equals(current.path("metadata").path("resourceVersion").asText(""));
    }

    /**
     * Stores a full new state. Writes to the main resource of a type with a status subresource keep the stored
     * status, as the API server does; the mock decides this from the path alone and misreads objects whose name is
     * "status" or "scale" as subresource writes, so the parsed path decides here.
     */
    private MockResponse update(ResourcePath path, JsonNode updated, JsonNode current, RecordedRequest original)
            throws IOException {
        ObjectNode body = ((ObjectNode) updated).deepCopy();
        ApiResource type = discovery.find(path.group(), path.version(), path.plural()).orElse(null);
        boolean statusSubresource = type != null && type.statusSubresource();
        if (path.subresource() == null && statusSubresource) {
            if (current.has("status")) {
                body.set("status", current.get("status").deepCopy());
            } else {
                body.remove("status");
            }
        }
        List<String> warnings = List.of();
        // the server's own writes (marking a deletion) are not admitted again
        if (type != null && original != null && (path.subresource() == null || "status".equals(path.subresource()))) {
            warnings = admission.admit(type, body, current, fieldValidation(path), "status".equals(path.subresource()));
        }
        validateScaleFields(path, body);
        MockResponse answer = store.update(path.storePath(), body, current);
        JsonNode metadata = body.path("metadata");
        if (answer.code() == 200 && metadata.hasNonNull("deletionTimestamp") && metadata.path("finalizers").isEmpty()
                && (answer.getBody() == null || answer.getBody().size() == 0)) {
            // The write that removed the last finalizer deleted the object; the mock answers without a body, the API
            // server with the object as written, which JOSDK and the operator's own clean-up read.
            answer = json(200, JSON.writeValueAsString(body));
        }
        return warn(normalize(answer, path), warnings);
    }

    /**
     * Custom resources with a scale subresource have their replicas and selector fields checked on every write, as
     * the API server's validator does (the spec replicas only on writes of the whole object); nothing else of the
     * schema is checked here.
     */
    private void validateScaleFields(ResourcePath path, JsonNode object) {
        if (object == null || !object.isObject()
                || (path.subresource() != null && !"status".equals(path.subresource()))) {
            return;
        }
        discovery.find(path.group(), path.version(), path.plural()).filter(r -> r.scale() != null).ifPresent(r -> {
            List<ApiErrors.FieldError> errors = r.scale().validate(object, path.subresource() == null);
            if (!errors.isEmpty()) {
                String name = path.name() != null ? path.name() : object.path("metadata").path("name").asText("");
                throw ApiErrors.invalid(r.kind(), r.group(), name, errors);
            }
        });
    }

    private MockResponse delete(ResourcePath path) throws IOException {
        synchronized (writes) {
            MockResponse stored = store.handleGet(path.storePath());
            if (stored.code() != 200) {
                return normalize(stored, path);
            }
            String body = stored.getBody().readUtf8();
            ObjectNode current = (ObjectNode) JSON.readTree(body);
            JsonNode metadata = current.path("metadata");
            if (metadata.path("finalizers").isEmpty()) {
                store.handleDelete(path.storePath());
                return json(200, body);
            }
            if (metadata.hasNonNull("deletionTimestamp")) {
                return json(200, body);
            }
            // The mock would stamp a zone-less local time that kubectl cannot parse; mark the object the way the
            // API server does (RFC 3339, UTC) and leave it to whoever owns the finalizers.
            ObjectNode marked = current.deepCopy();
            ((ObjectNode) marked.get("metadata")).put("deletionTimestamp",
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            ((ObjectNode) marked.get("metadata")).put("deletionGracePeriodSeconds", 0);
            return update(path, marked, current, null);
        }
    }

    private static RecordedRequest request(HttpMethod method, String path, RecordedRequest original, String body) {
        var headers = io.fabric8.mockwebserver.http.Headers.builder().add("Content-Type", "application/json");
        return new RecordedRequest(original == null ? "HTTP/1.1" : original.getHttpVersion(), method, path,
                headers.build(), new Buffer(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** The store answers some failures without a body; kubectl expects a Status. */
    private static MockResponse normalize(MockResponse response, ResourcePath path) {
        if (response.getWebSocketListener() != null) {
            return response;
        }
        if (response.code() >= 400 && (response.getBody() == null || response.getBody().size() == 0)) {
            String message = response.code() == 404 ? ApiErrors.notFoundMessage(path) : "request failed";
            return error(response.code(), message, path);
        }
        return response.setHeader("Content-Type", "application/json");
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }

    static MockResponse error(int code, String message, ResourcePath path) {
        return json(code, ApiErrors.status(code, ApiErrors.reasonFor(code), message, path).toString());
    }
}
