package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.nixpool.local.apiserver.ApiErrors.FieldError;

/**
 * A CRD version's {@code subresources.scale}: where in its custom resources the replicas and the selector of their
 * autoscaling/v1 Scale live. Reading, writing and checking those fields follows the apiextensions-apiserver
 * (registry/customresource: ScaleREST's scaleFromCustomResource, and the validator's ValidateScaleSpec and
 * ValidateScaleStatus, which run on every write of such a resource, not only on writes through /scale).
 *
 * @param specReplicasDefault the {@code default} the CRD's schema gives the spec replicas field, or null: the real
 *        API server stores defaults, so an object created without the field has it there; this server stores objects
 *        as sent, and applies that one default when it reads the field
 */
record ScaleSubresource(String specReplicasPath, String statusReplicasPath, String labelSelectorPath,
        JsonNode specReplicasDefault) {

    /** What the API server puts in a Scale it builds for an object whose spec replicas field is not set. */
    static final int UNSET_SPEC_REPLICAS = Integer.MIN_VALUE;

    /** The scale subresource a served CRD version declares, if it declares one. */
    static Optional<ScaleSubresource> fromCrdVersion(JsonNode version) {
        JsonNode scale = version.path("subresources").path("scale");
        if (!scale.isObject()) {
            return Optional.empty();
        }
        String spec = scale.path("specReplicasPath").asText("");
        JsonNode selector = scale.path("labelSelectorPath");
        return Optional.of(new ScaleSubresource(spec, scale.path("statusReplicasPath").asText(""),
                selector.isTextual() ? selector.asText() : null,
                schemaDefault(version.path("schema").path("openAPIV3Schema"), segments(spec))));
    }

    private static JsonNode schemaDefault(JsonNode schema, List<String> segments) {
        JsonNode node = schema;
        for (String segment : segments) {
            node = node.path("properties").path(segment);
        }
        return node.has("default") ? node.get("default") : null;
    }

    /** A replicas path split the way the API server splits it: leading period dropped, then at every period. */
    static List<String> segments(String path) {
        return List.of((path.startsWith(".") ? path.substring(1) : path).split("\\."));
    }

    /** A Scale as GET .../scale answers it, and whether the spec replicas field was there to fill it. */
    record Read(ObjectNode scale, boolean specReplicasFound) {
    }

    /**
     * The Scale of {@code object}; an unset spec replicas field reads as 0 (or as the schema's default where the
     * object has the field's parent) with {@code specReplicasFound} false.
     *
     * @throws IllegalStateException a field holds a value of the wrong type (its message is the API server's)
     */
    Read read(JsonNode object) {
        Nested spec = nested(object, specReplicasPath);
        boolean specFound = spec.found();
        long specReplicas = int64(spec, specReplicasPath);
        if (!specFound && specReplicasDefault != null && parentExists(object, specReplicasPath)
                && specReplicasDefault.canConvertToLong() && specReplicasDefault.isIntegralNumber()) {
            specReplicas = specReplicasDefault.asLong();
            specFound = true;
        }
        long statusReplicas = int64(nested(object, statusReplicasPath), statusReplicasPath);
        String selector = "";
        if (labelSelectorPath != null && !labelSelectorPath.isEmpty()) {
            Nested s = nested(object, labelSelectorPath);
            if (s.error() != null) {
                throw new IllegalStateException(s.error());
            }
            if (s.found()) {
                if (!s.value().isTextual()) {
                    throw new IllegalStateException(typeError(labelSelectorPath, s.value(), "string"));
                }
                selector = s.value().asText();
            }
        }
        JsonNode metadata = object.path("metadata");
        ObjectNode scale = JsonNodeFactory.instance.objectNode();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String field : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (metadata.hasNonNull(field) && !metadata.get(field).asText().isEmpty()) {
                meta.put(field, metadata.get(field).asText());
            }
        }
        // Go's omitempty on ScaleSpec.replicas: a Scale of 0 has an empty spec; status.replicas is always there
        ObjectNode scaleSpec = scale.putObject("spec");
        if ((int) specReplicas != 0) {
            scaleSpec.put("replicas", (int) specReplicas);
        }
        ObjectNode scaleStatus = scale.putObject("status");
        scaleStatus.put("replicas", (int) statusReplicas);
        if (!selector.isEmpty()) {
            scaleStatus.put("selector", selector);
        }
        return new Read(scale, specFound);
    }

    /** Sets the spec replicas field, creating the objects on its way as unstructured.SetNestedField does. */
    void setSpecReplicas(ObjectNode object, int replicas) {
        List<String> segments = segments(specReplicasPath);
        ObjectNode node = object;
        for (String segment : segments.subList(0, segments.size() - 1)) {
            JsonNode next = node.get(segment);
            node = next != null && next.isObject() ? (ObjectNode) next : node.putObject(segment);
        }
        node.put(segments.get(segments.size() - 1), (long) replicas);
    }

    /**
     * The API server's checks of these fields on a write: spec replicas (on writes of the whole object) and status
     * replicas must be integers from 0 to 2^31-1, the selector a string.
     */
    List<FieldError> validate(JsonNode object, boolean includeSpec) {
        List<FieldError> errors = new ArrayList<>();
        if (includeSpec) {
            checkReplicas(object, specReplicasPath, errors);
        }
        checkReplicas(object, statusReplicasPath, errors);
        if (labelSelectorPath != null && !labelSelectorPath.isEmpty()) {
            Nested s = nested(object, labelSelectorPath);
            String error = s.error() != null
                    ? s.error()
                    : s.found() && !s.value().isTextual() ? typeError(labelSelectorPath, s.value(), "string") : null;
            if (error != null) {
                errors.add(new FieldError(labelSelectorPath, "\"\"", error));
            }
        }
        return errors;
    }

    private static void checkReplicas(JsonNode object, String path, List<FieldError> errors) {
        Nested n = nested(object, path);
        String error = n.error() != null
                ? n.error()
                : n.found() && !isInt64(n.value()) ? typeError(path, n.value(), "int64") : null;
        if (error != null) {
            errors.add(new FieldError(path, "0", error));
            return;
        }
        long replicas = n.found() ? n.value().asLong() : 0;
        if (replicas < 0) {
            errors.add(new FieldError(path, Long.toString(replicas), "should be a non-negative integer"));
        } else if (replicas > Integer.MAX_VALUE) {
            errors.add(new FieldError(path, Long.toString(replicas),
                    "should be less than or equal to " + Integer.MAX_VALUE));
        }
    }

    private static long int64(Nested n, String path) {
        if (n.error() != null) {
            throw new IllegalStateException(n.error());
        }
        if (!n.found()) {
            return 0;
        }
        if (!isInt64(n.value())) {
            throw new IllegalStateException(typeError(path, n.value(), "int64"));
        }
        return n.value().asLong();
    }

    private static boolean isInt64(JsonNode value) {
        return value.isIntegralNumber() && value.canConvertToLong();
    }

    /** A field looked up as unstructured.NestedFieldNoCopy does: found or not, or an error on a non-object parent. */
    private record Nested(boolean found, JsonNode value, String error) {
    }

    private static Nested nested(JsonNode object, String path) {
        List<String> segments = segments(path);
        JsonNode node = object;
        for (int i = 0; i < segments.size(); i++) {
            if (node.isNull()) {
                return new Nested(false, null, null);
            }
            if (!node.isObject()) {
                return new Nested(false, null, accessorPath(segments.subList(0, i + 1)) + " accessor error: "
                        + goValue(node) + " is of the type " + goType(node) + ", expected map[string]interface{}");
            }
            if (!node.has(segments.get(i))) {
                return new Nested(false, null, null);
            }
            node = node.get(segments.get(i));
        }
        return new Nested(true, node, null);
    }

    private static boolean parentExists(JsonNode object, String path) {
        List<String> segments = segments(path);
        JsonNode node = object;
        for (String segment : segments.subList(0, segments.size() - 1)) {
            node = node.path(segment);
        }
        return node.isObject();
    }

    private static String typeError(String path, JsonNode value, String expected) {
        return accessorPath(segments(path)) + " accessor error: " + goValue(value) + " is of the type "
                + goType(value) + ", expected " + expected;
    }

    private static String accessorPath(List<String> segments) {
        return "." + String.join(".", segments);
    }

    /** How Go's %T names a value decoded from JSON into an unstructured object. */
    private static String goType(JsonNode value) {
        if (value.isTextual()) {
            return "string";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        if (isInt64(value)) {
            return "int64";
        }
        if (value.isNumber()) {
            return "float64";
        }
        if (value.isArray()) {
            return "[]interface {}";
        }
        if (value.isObject()) {
            return "map[string]interface {}";
        }
        return "<nil>";
    }

    private static String goValue(JsonNode value) {
        return value.isNull() ? "<nil>" : value.isTextual() ? value.asText() : value.toString();
    }
}
