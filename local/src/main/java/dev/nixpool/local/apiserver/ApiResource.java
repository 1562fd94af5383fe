package dev.nixpool.local.apiserver;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One resource type as discovery lists it (an APIResource), with the printer columns its Tables use and, for custom
 * resources that declare one, their scale subresource (null otherwise) and their openAPIV3Schema (null for built-in
 * types, which the embedded API server does not validate).
 */
record ApiResource(String group, String version, String plural, String singular, String kind, boolean namespaced,
        List<String> shortNames, List<String> categories, boolean statusSubresource, ScaleSubresource scale,
        List<PrinterColumn> columns, JsonNode schema) {

    static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update",
            "watch");
    static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

    static ApiResource builtin(String group, String version, String plural, String kind, boolean namespaced,
            boolean status, String... shortNames) {
        return new ApiResource(group, version, plural, kind.toLowerCase(), kind, namespaced, List.of(shortNames),
                List.of(), status, null, PrinterColumn.defaults(), null);
    }

    /** The same type in the {@code all} category, as pods, services and deployments are on a cluster. */
    ApiResource inCategoryAll() {
        return new ApiResource(group, version, plural, singular, kind, namespaced, shortNames, List.of("all"),
                statusSubresource, scale, columns, schema);
    }

    /** The served versions of a stored CustomResourceDefinition. */
    static List<ApiResource> fromCrd(JsonNode crd) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        return java.util.stream.StreamSupport.stream(spec.path("versions").spliterator(), false)
                .filter(v -> v.path("served").asBoolean(true))
                .map(v -> new ApiResource(spec.path("group").asText(), v.path("name").asText(),
                        names.path("plural").asText(), names.path("singular").asText(), names.path("kind").asText(),
                        !"Cluster".equals(spec.path("scope").asText()), texts(names.path("shortNames")),
                        texts(names.path("categories")), v.path("subresources").has("status"),
                        ScaleSubresource.fromCrdVersion(v).orElse(null), PrinterColumn.forCrdVersion(v),
                        v.path("schema").get("openAPIV3Schema")))
                .toList();
    }

    private static List<String> texts(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    String groupVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    void addTo(ArrayNode resources) {
        ObjectNode r = resources.addObject();
        r.put("name", plural);
        r.put("singularName", singular);
        r.put("namespaced", namespaced);
        r.put("kind", kind);
        strings(r.putArray("verbs"), VERBS);
        if (!shortNames.isEmpty()) {
            strings(r.putArray("shortNames"), shortNames);
        }
        if (!categories.isEmpty()) {
            strings(r.putArray("categories"), categories);
        }
        if (statusSubresource) {
            ObjectNode s = resources.addObject();
            s.put("name", plural + "/status");
            s.put("singularName", "");
            s.put("namespaced", namespaced);
            s.put("kind", kind);
            strings(s.putArray("verbs"), SUBRESOURCE_VERBS);
        }
        if (scale != null) {
            // served as autoscaling/v1 Scale whatever the parent's group is, which is how kubectl scale and the
            // HorizontalPodAutoscaler find out what to send
            ObjectNode s = resources.addObject();
            s.put("name", plural + "/scale");
            s.put("singularName", "");
            s.put("namespaced", namespaced);
            s.put("group", "autoscaling");
            s.put("version", "v1");
            s.put("kind", "Scale");
            strings(s.putArray("verbs"), SUBRESOURCE_VERBS);
        }
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    static ObjectNode resourceList(String groupVersion, List<ApiResource> resources) {
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("kind", "APIResourceList");
        list.put("apiVersion", "v1");
        list.put("groupVersion", groupVersion);
        ArrayNode items = list.putArray("resources");
        resources.forEach(r -> r.addTo(items));
        return list;
    }
}
