package dev.nixpool.local.apiserver;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;

/**
 * {@code .../NAME/scale} of custom resources whose CRD declares a scale subresource, served as the
 * apiextensions-apiserver's ScaleREST serves it: GET builds an autoscaling/v1 Scale from the object; PUT and every
 * kind of PATCH (applied to that Scale) change only the spec replicas field of the object, which is then stored like
 * any write of the whole object (generation bumped, status kept, watchers told). Other types answer 404.
 */
final class ScaleEndpoint {

    /** Stores a new state of the whole object, as the router does for writes of the main resource. */
    interface ObjectWriter {
        MockResponse write(ResourcePath path, JsonNode updated, JsonNode current, RecordedRequest original)
                throws IOException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final ObservableCrudStore store;
    private final Discovery discovery;
    private final Object writes;
    private final ObjectWriter writer;

    /** @param writes the lock all read-modify-write sequences of the server hold */
    ScaleEndpoint(ObservableCrudStore store, Discovery discovery, Object writes, ObjectWriter writer) {
        this.store = store;
        this.discovery = discovery;
        this.writes = writes;
        this.writer = writer;
    }

    MockResponse serve(HttpMethod method, ResourcePath path, RecordedRequest request) throws IOException {
        ApiResource resource = discovery.find(path.group(), path.version(), path.plural())
                .filter(r -> r.scale() != null).orElse(null);
        if (resource == null || path.name() == null) {
            throw new ApiErrors.Failure(404, "the server could not find the requested resource", null);
        }
        return switch (method) {
            case GET -> {
                JsonNode object = stored(path);
                ScaleSubresource.Read read = read(resource.scale(), object, path);
                if (!read.specReplicasFound()) {
                    throw ApiErrors.internal("the spec replicas field \"" + resource.scale().specReplicasPath()
                            + "\" does not exist", path);
                }
                yield json(read.scale());
            }
            case PUT -> {
                // decoded before the object is read, as the update handler decodes before it calls the store
                Requested requested = Requested.decode(JSON.readTree(request.getUtf8Body()), 400);
                yield write(resource, path, request, oldScale -> requested);
            }
            case PATCH -> write(resource, path, request, oldScale -> Requested.decode(patch(oldScale, request), 422));
            default ->
                throw new ApiErrors.Failure(405, "the server does not allow this method on the requested resource",
                        path);
        };
    }

    private interface ScaleChange {
        Requested apply(ObjectNode oldScale) throws IOException;
    }

    /** ScaleREST.Update: the requested Scale's replicas go into the object; its resourceVersion is a precondition. */
    private MockResponse write(ApiResource resource, ResourcePath path, RecordedRequest request, ScaleChange change)
            throws IOException {
        ScaleSubresource scale = resource.scale();
        synchronized (writes) {
            JsonNode current = stored(path);
            ScaleSubresource.Read old = read(scale, current, path);
            ObjectNode oldScale = old.scale();
            if (!old.specReplicasFound()) {
                ((ObjectNode) oldScale.get("spec")).put("replicas", ScaleSubresource.UNSET_SPEC_REPLICAS);
            }
            Requested requested = change.apply(oldScale);
            if (!requested.name().equals(path.name())) {
                throw new ApiErrors.Failure(400, "the name of the object (" + requested.name()
                        + ") does not match the name on the URL (" + path.name() + ")", path);
            }
            if (path.namespace() != null && !requested.namespace().isEmpty()
                    && !requested.namespace().equals(path.namespace())) {
                throw new ApiErrors.Failure(400,
                        "the namespace of the provided object does not match the namespace sent on the request", path);
            }
            if (requested.replicas() == ScaleSubresource.UNSET_SPEC_REPLICAS) {
                throw new ApiErrors.Failure(400,
                        "the spec replicas field \"" + scale.specReplicasPath() + "\" cannot be empty", path);
            }
            String currentVersion = current.path("metadata").path("resourceVersion").asText("");
            if (!requested.resourceVersion().isEmpty() && !requested.resourceVersion().equals(currentVersion)) {
                throw new ApiErrors.Failure(409, ApiErrors.conflictMessage(path), path);
            }
            ObjectNode updated = current.deepCopy();
            scale.setSpecReplicas(updated, requested.replicas());
            List<ApiErrors.FieldError> errors = scale.validate(updated, true);
            if (!errors.isEmpty()) {
                throw ApiErrors.invalid(resource.kind(), resource.group(), path.name(), errors);
            }
            MockResponse written = writer.write(path.withoutSubresource(), updated, current, request);
            if (written.code() != 200) {
                return written;
            }
            return json(read(scale, JSON.readTree(written.getBody().readUtf8()), path).scale());
        }
    }

    private static JsonNode patch(ObjectNode oldScale, RecordedRequest request) throws IOException {
        String contentType = String.valueOf(request.getHeader("Content-Type"));
        String body = request.getUtf8Body();
        if (contentType.startsWith("application/json-patch+json")) {
            JsonNode operations = JSON.readTree(body);
            if (operations == null || !operations.isArray()) {
                throw new ApiErrors.Failure(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
                        null);
            }
            try {
                return JsonPatch.apply(operations, oldScale);
            } catch (JsonPatchException e) {
                // a malformed operation is the request's fault (400); one that does not apply is unprocessable (422)
                throw new ApiErrors.Failure(e.getOperation() == null ? 400 : 422, e.toString(), null);
            }
        }
        if (contentType.startsWith("application/merge-patch+json")
                || contentType.startsWith("application/strategic-merge-patch+json")) {
            // a Scale has no lists, so a strategic merge patch of it is a plain merge patch
            return MergePatch.apply(oldScale, JSON.readTree(body));
        }
        if (contentType.startsWith("application/apply-patch")) {
            return MergePatch.apply(oldScale, YAML.readTree(body));
        }
        throw new ApiErrors.Failure(415, "unsupported patch type '" + contentType
                + "': expected application/json-patch+json, application/merge-patch+json,"
                + " application/strategic-merge-patch+json or application/apply-patch+yaml", null);
    }

    private JsonNode stored(ResourcePath path) throws IOException {
        MockResponse stored = store.handleGet(path.withoutSubresource().storePath());
        if (stored.code() != 200) {
            throw new ApiErrors.Failure(stored.code(), stored.code() == 404
                    ? ApiErrors.notFoundMessage(path)
                    : "request failed", path);
        }
        return JSON.readTree(stored.getBody().readUtf8());
    }

    private static ScaleSubresource.Read read(ScaleSubresource scale, JsonNode object, ResourcePath path) {
        try {
            return scale.read(object);
        } catch (IllegalStateException e) {
            throw ApiErrors.internal(e.getMessage(), path);
        }
    }

    private static MockResponse json(JsonNode body) {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody(body.toString());
    }

    /**
     * The fields of a requested Scale that matter, decoded with the strictness of Go's JSON decoding into an
     * autoscaling/v1 Scale: a value of the wrong type fails the request with {@code failureCode} (400 for a PUT
     * body, 422 for a patched Scale, as the API server's update and patch handlers answer).
     */
    record Requested(String name, String namespace, String resourceVersion, int replicas) {

        static Requested decode(JsonNode scale, int failureCode) {
            if (scale == null || !scale.isObject()) {
                throw decodeFailure(failureCode, scale, "json: cannot unmarshal " + jsonType(scale)
                        + " into Go value of type v1.Scale");
            }
            JsonNode metadata = field(scale, "metadata", "Scale.metadata", "v1.ObjectMeta", failureCode);
            JsonNode spec = field(scale, "spec", "Scale.spec", "v1.ScaleSpec", failureCode);
            int replicas = 0;
            JsonNode value = spec.path("replicas");
            if (!value.isMissingNode() && !value.isNull()) {
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    throw decodeFailure(failureCode, scale, "json: cannot unmarshal "
                            + (value.isNumber() ? "number " + value : jsonType(value))
                            + " into Go struct field ScaleSpec.spec.replicas of type int32");
                }
                replicas = value.asInt();
            }
            return new Requested(text(metadata, "name", scale, failureCode),
                    text(metadata, "namespace", scale, failureCode),
                    text(metadata, "resourceVersion", scale, failureCode), replicas);
        }

        private static JsonNode field(JsonNode scale, String name, String goField, String goType, int failureCode) {
            JsonNode value = scale.path(name);
            if (value.isMissingNode() || value.isNull()) {
                return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
            }
            if (!value.isObject()) {
                throw decodeFailure(failureCode, scale, "json: cannot unmarshal " + jsonType(value)
                        + " into Go struct field " + goField + " of type " + goType);
            }
            return value;
        }

        private static String text(JsonNode metadata, String name, JsonNode scale, int failureCode) {
            JsonNode value = metadata.path(name);
            if (value.isMissingNode() || value.isNull()) {
                return "";
            }
            if (!value.isTextual()) {
                throw decodeFailure(failureCode, scale, "json: cannot unmarshal " + jsonType(value)
                        + " into Go struct field ObjectMeta.metadata." + name + " of type string");
            }
            return value.asText();
        }

        private static String jsonType(JsonNode value) {
            if (value == null || value.isNull()) {
                return "null";
            }
            if (value.isTextual()) {
                return "string";
            }
            if (value.isBoolean()) {
                return "bool";
            }
            if (value.isNumber()) {
                return "number";
            }
            return value.isArray() ? "array" : "object";
        }

        private static ApiErrors.Failure decodeFailure(int code, JsonNode scale, String error) {
            if (code == 400) {
                return new ApiErrors.Failure(400, "Scale in version \"v1\" cannot be handled as a Scale: " + error,
                        null);
            }
            // the patch handler reports the patched object that did not decode as an invalid field "patch"
            String field = "patch: Invalid value: " + JSON.getNodeFactory().textNode(String.valueOf(scale)) + ": "
                    + error;
            ObjectNode status = ApiErrors.status(422, "Invalid", " \"\" is invalid: " + field, null);
            ObjectNode details = JSON.createObjectNode();
            details.putArray("causes").addObject().put("reason", "FieldValueInvalid")
                    .put("message", field.substring("patch: ".length())).put("field", "patch");
            status.set("details", details);
            status.set("code", status.remove("code"));
            return new ApiErrors.Failure(422, status);
        }
    }
}
