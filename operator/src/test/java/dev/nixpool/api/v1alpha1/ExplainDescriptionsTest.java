package dev.nixpool.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code kubectl explain nixbuild.spec.retries} prints the schema's description of that field, so every field the API
 * classes declare carries one in the committed CRDs (from {@code @JsonPropertyDescription}). The walk follows the Java
 * types beside the schema: fields of Kubernetes' own types (Toleration, Affinity, EnvVar, Condition, ...) are checked
 * themselves but not entered, because Fabric8's model has no descriptions and those types are explained under pods.
 */
class ExplainDescriptionsTest {

    /** Each CRD's spec and status classes. */
    private static final Map<String, List<Class<?>>> KINDS = Map.of(
            CrdFiles.BUILD_MACHINES, List.of(BuildMachineSpec.class, BuildMachineStatus.class),
            CrdFiles.NIX_BUILDS, List.of(NixBuildSpec.class, NixBuildStatus.class));

    @Test
    void everyFieldOfTheApiTypesHasADescription() {
        List<String> undescribed = new ArrayList<>();
        for (String file : CrdFiles.NAMES) {
            JsonNode properties = CrdFiles.schema(file).path("properties");
            walk(properties.path("spec"), KINDS.get(file).get(0), file + ":spec", undescribed);
            walk(properties.path("status"), KINDS.get(file).get(1), file + ":status", undescribed);
        }
        assertThat(undescribed).as("fields kubectl explain would show without text").isEmpty();
    }

    @Test
    void theWalkReachesNestedApiTypes() {
        // guards the walk itself: a broken type lookup would silently check nothing below the top level
        List<String> visited = new ArrayList<>();
        JsonNode spec = CrdFiles.schema(CrdFiles.BUILD_MACHINES).path("properties").path("spec");
        walk(spec, BuildMachineSpec.class, "spec", visited, true);
        assertThat(visited).contains("spec.template.image", "spec.featurePlacement{}.nodeSelector");
        List<String> statusFields = new ArrayList<>();
        walk(CrdFiles.schema(CrdFiles.NIX_BUILDS).at("/properties/status"), NixBuildStatus.class, "status",
                statusFields, true);
        assertThat(statusFields).contains("status.outputs[].narHash");
    }

    private static void walk(JsonNode schema, Class<?> type, String path, List<String> undescribed) {
        walk(schema, type, path, undescribed, false);
    }

    private static void walk(JsonNode schema, Class<?> type, String path, List<String> out, boolean listAll) {
        assertThat(schema.isObject()).as(path + " is in the schema").isTrue();
        if (listAll || schema.path("description").asText("").isBlank()) {
            out.add(path);
        }
        if (type == null || !type.getPackageName().equals(NixBuild.class.getPackageName())) {
            return;
        }
        JsonNode object = schema;
        String prefix = path;
        if (schema.path("items").isObject()) {
            object = schema.path("items");
            prefix = path + "[]";
        } else if (schema.path("additionalProperties").isObject()) {
            object = schema.path("additionalProperties");
            prefix = path + "{}";
        }
        for (Map.Entry<String, JsonNode> property : object.path("properties").properties()) {
            walk(property.getValue(), valueType(type, property.getKey()), prefix + "." + property.getKey(), out,
                    listAll);
        }
    }

    /** The class a property holds: the field's type, a list's element type or a map's value type. */
    private static Class<?> valueType(Class<?> owner, String property) {
        Type type = field(owner, property).getGenericType();
        if (type instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            type = args[args.length - 1];
        }
        if (type instanceof ParameterizedType p) {
            type = p.getRawType();
        }
        return type instanceof Class<?> c ? c : null;
    }

    private static Field field(Class<?> owner, String property) {
        for (Class<?> c = owner; c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getName().equals(property)) {
                    return f;
                }
            }
        }
        throw new AssertionError(owner.getSimpleName() + " has no field for schema property " + property);
    }
}
