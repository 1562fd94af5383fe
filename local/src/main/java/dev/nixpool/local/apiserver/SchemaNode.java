package dev.nixpool.local.apiserver;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading one node of a CRD's structural openAPIV3Schema: what a value at that place may be and hold. */
record SchemaNode(JsonNode json) {

    static final List<String> OBJECT_META_FIELDS = List.of("apiVersion", "kind", "metadata");

    /** The JSON types allowed; x-kubernetes-int-or-string allows both, as the API server converts it. */
    List<String> types() {
        if (json.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return List.of("integer", "string");
        }
        String type = json.path("type").asText("");
        return type.isEmpty() ? List.of() : List.of(type);
    }

    /** The type as CEL errors print it ({@code sv.Type}). */
    String type() {
        return json.path("type").asText("");
    }

    boolean nullable() {
        return json.path("nullable").asBoolean(false);
    }

    boolean preservesUnknownFields() {
        return json.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    }

    boolean embeddedResource() {
        return json.path("x-kubernetes-embedded-resource").asBoolean(false);
    }

    Optional<SchemaNode> property(String name) {
        JsonNode p = json.path("properties").get(name);
        return p == null ? Optional.empty() : Optional.of(new SchemaNode(p));
    }

    /** The schema of a map's values (additionalProperties with a schema). */
    Optional<SchemaNode> additionalProperties() {
        JsonNode a = json.get("additionalProperties");
        return a != null && a.isObject() ? Optional.of(new SchemaNode(a)) : Optional.empty();
    }

    /** A field not among the properties is kept (additionalProperties: true or a schema, or preserve-unknown). */
    boolean allowsUnknown() {
        JsonNode a = json.get("additionalProperties");
        return preservesUnknownFields() || (a != null && (a.isObject() || a.asBoolean(false)));
    }

    /** The schema of a field of an object at this place: its property, else the map's value schema. */
    Optional<SchemaNode> field(String name) {
        return property(name).or(this::additionalProperties);
    }

    Optional<SchemaNode> items() {
        JsonNode i = json.get("items");
        return i != null && i.isObject() ? Optional.of(new SchemaNode(i)) : Optional.empty();
    }

    JsonNode get(String keyword) {
        return json.get(keyword);
    }

    boolean has(String keyword) {
        return json.hasNonNull(keyword);
    }

    /** field.Path's Child for a property name. */
    static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** field.Path's Index. */
    static String index(String path, int i) {
        return path + "[" + i + "]";
    }
}
