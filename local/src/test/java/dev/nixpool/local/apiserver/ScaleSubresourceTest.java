package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

class ScaleSubresourceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ScaleSubresource declared(String schema) throws Exception {
        return ScaleSubresource.fromCrdVersion(JSON.readTree("""
                {"name":"v1","subresources":{"scale":{"specReplicasPath":".spec.minIdle",
                 "statusReplicasPath":".status.idleBuilders"}},
                 "schema":{"openAPIV3Schema":%s}}""".formatted(schema))).orElseThrow();
    }

    private static JsonNode object(String spec) throws Exception {
        return JSON.readTree("{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"7\"},\"spec\":" + spec + "}");
    }

    @Test
    void aVersionWithoutScaleDeclaresNone() throws Exception {
        assertThat(ScaleSubresource.fromCrdVersion(JSON.readTree("{\"subresources\":{\"status\":{}}}"))).isEmpty();
    }

    @Test
    void theSchemaDefaultStandsInForAnUnsetFieldAsTheStoredDefaultWould() throws Exception {
        ScaleSubresource scale = declared("""
                {"type":"object","properties":{"spec":{"type":"object",
                 "properties":{"minIdle":{"type":"integer","default":2}}}}}""");
        ScaleSubresource.Read read = scale.read(object("{}"));
        assertThat(read.specReplicasFound()).isTrue();
        assertThat(read.scale().path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(read.scale().path("metadata").toString()).isEqualTo("{\"name\":\"p\",\"resourceVersion\":\"7\"}");
        // no selector path declared: no selector
        assertThat(read.scale().path("status").toString()).isEqualTo("{\"replicas\":0}");

        ScaleSubresource.Read noDefault = declared("{\"type\":\"object\"}").read(object("{}"));
        assertThat(noDefault.specReplicasFound()).isFalse();
        assertThat(noDefault.scale().path("spec").toString()).isEqualTo("{}");
    }

    @Test
    void settingCreatesTheParentsAndValidationNamesTheField() throws Exception {
        ScaleSubresource scale = declared("{\"type\":\"object\"}");
        ObjectNode object = JSON.createObjectNode();
        scale.setSpecReplicas(object, 3);
        assertThat(object.toString()).isEqualTo("{\"spec\":{\"minIdle\":3}}");

        assertThat(scale.validate(object("{\"minIdle\":2147483648}"), true)).singleElement()
                .satisfies(e -> assertThat(e.field() + ": " + e.body()).isEqualTo(
                        ".spec.minIdle: Invalid value: 2147483648: should be less than or equal to 2147483647"));
        assertThat(scale.validate(object("{\"minIdle\":1.5}"), true)).singleElement()
                .satisfies(e -> assertThat(e.body()).isEqualTo(
                        "Invalid value: 0: .spec.minIdle accessor error: 1.5 is of the type float64, expected int64"));
        // a status write does not look at the spec
        assertThat(scale.validate(object("{\"minIdle\":-1}"), false)).isEmpty();
        assertThatThrownBy(() -> scale.read(object("\"not an object\"")))
                .hasMessage(".spec.minIdle accessor error: not an object is of the type string,"
                        + " expected map[string]interface{}");
        // a null parent is no parent, as in unstructured.NestedFieldNoCopy
        assertThat(scale.read(object("null")).specReplicasFound()).isFalse();
    }
}
