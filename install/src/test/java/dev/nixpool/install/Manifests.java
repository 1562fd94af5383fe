package dev.nixpool.install;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Reading rendered manifests (multi-document YAML) and finding objects in them. */
final class Manifests {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** kustomize re-serializes 1000.0 as 1000 and Helm quotes what it likes: numbers compare by value. */
    static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? Double.compare(a.asDouble(), b.asDouble())
            : a.equals(b) ? 0 : 1;

    private Manifests() {
    }

    static List<JsonNode> parse(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    static JsonNode read(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kind/namespace/name, the identity of an object in a cluster ("" namespace: cluster-scoped). */
    static String id(JsonNode doc) {
        return doc.path("kind").asText() + "/" + doc.at("/metadata/namespace").asText() + "/"
                + doc.at("/metadata/name").asText();
    }

    static List<String> ids(List<JsonNode> docs) {
        return docs.stream().map(Manifests::id).toList();
    }

    static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> d.path("kind").asText().equals(kind) && d.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in " + ids(docs)));
    }

    static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    /**
     * "group/resource:verb,verb" per resource of every rule of a Role or ClusterRole, the unit the RBAC table of
     * docs/install.md has one row for.
     */
    static List<String> rules(JsonNode role) {
        List<String> out = new ArrayList<>();
        for (JsonNode rule : role.path("rules")) {
            List<String> verbs = new ArrayList<>();
            rule.path("verbs").forEach(v -> verbs.add(v.asText()));
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    out.add(group.asText() + "/" + resource.asText() + ":" + String.join(",", verbs));
                }
            }
        }
        return out;
    }

    /** A copy without the labels only Helm adds (the chart's objects otherwise carry the kustomize base's labels). */
    static JsonNode withoutHelmLabels(JsonNode doc) {
        ObjectNode copy = doc.deepCopy();
        JsonNode labels = copy.at("/metadata/labels");
        if (labels.isObject()) {
            ((ObjectNode) labels).remove(List.of("helm.sh/chart", "app.kubernetes.io/managed-by",
                    "app.kubernetes.io/instance", "app.kubernetes.io/version"));
        }
        return copy;
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("nixpool.repo.root")).toAbsolutePath().normalize();
    }
}
