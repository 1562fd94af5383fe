package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.nixpool.local.apiserver.ApiErrors.FieldError;

/** The schema walker's field errors, word for word as apiextensions-apiserver prints them. */
class SchemaValidatorTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static final String SCHEMA = """
            type: object
            required: [spec]
            properties:
              spec:
                type: object
                required: [systems]
                properties:
                  maxJobs: {type: integer, minimum: 1, maximum: 1024}
                  speedFactor: {type: number, minimum: 0, exclusiveMinimum: true}
                  system: {type: string, maxLength: 8, pattern: '^[a-z]+-[a-z]+$'}
                  expression: {type: string, minLength: 1}
                  phase: {type: string, enum: [Pending, Failed]}
                  systems: {type: array, minItems: 1, maxItems: 2, items: {type: string}}
                  quantity: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                  labels: {type: object, maxProperties: 1, additionalProperties: {type: string}}
                  when: {type: string, format: date-time}
                  ephemeral: {type: boolean}
            """;

    private static List<String> errors(String object) throws Exception {
        JsonNode schema = YAML.readTree(SCHEMA);
        return SchemaValidator.validate(YAML.readTree(object), new SchemaNode(schema)).stream()
                .map(FieldError::text).toList();
    }

    @Test
    void aValidObjectHasNoErrors() throws Exception {
        assertThat(errors("""
                apiVersion: v1
                kind: X
                metadata: {name: x, anything: goes}
                spec: {maxJobs: 2, speedFactor: 1.5, system: x-linux, systems: [a], quantity: 2Gi, labels: {a: b},
                  when: '2026-12-01T16:00:00Z', ephemeral: true, phase: Failed}
                """)).isEmpty();
    }

    @Test
    void boundsAreWordedAsTheApiServerWordsThem() throws Exception {
        assertThat(errors("spec: {maxJobs: 0, systems: [a]}"))
                .containsExactly(
                        "spec.maxJobs: Invalid value: 0: spec.maxJobs in body should be greater than or equal to 1");
        assertThat(errors("spec: {maxJobs: 2000, systems: [a]}")).containsExactly(
                "spec.maxJobs: Invalid value: 2000: spec.maxJobs in body should be less than or equal to 1024");
        assertThat(errors("spec: {speedFactor: 0, systems: [a]}"))
                .containsExactly(
                        "spec.speedFactor: Invalid value: 0: spec.speedFactor in body should be greater than 0");
        assertThat(errors("spec: {speedFactor: -0.5, systems: [a]}")).containsExactly(
                "spec.speedFactor: Invalid value: -0.5: spec.speedFactor in body should be greater than 0");
    }

    @Test
    void typesRequiredAndEnums() throws Exception {
        assertThat(errors("spec: {maxJobs: two, systems: [a]}")).containsExactly(
                "spec.maxJobs: Invalid value: \"string\": spec.maxJobs in body must be of type integer: \"string\"");
        assertThat(errors("spec: {maxJobs: 2.0, systems: [a]}")).isEmpty();
        assertThat(errors("spec: {maxJobs: 2.5, systems: [a]}")).containsExactly(
                "spec.maxJobs: Invalid value: \"number\": spec.maxJobs in body must be of type integer: \"number\"");
        assertThat(errors("spec: {quantity: true, systems: [a]}")).containsExactly("spec.quantity: Invalid value:"
                + " \"boolean\": spec.quantity in body must be of type integer,string: \"boolean\"");
        assertThat(errors("spec: {}")).containsExactly("spec.systems: Required value");
        assertThat(errors("metadata: {name: x}")).containsExactly("spec: Required value");
        assertThat(errors("spec: {phase: Running, systems: [a]}")).containsExactly(
                "spec.phase: Unsupported value: \"Running\": supported values: \"Pending\", \"Failed\"");
        assertThat(errors("spec: {ephemeral: 'yes', systems: [a]}")).containsExactly("spec.ephemeral: Invalid value:"
                + " \"string\": spec.ephemeral in body must be of type boolean: \"string\"");
    }

    @Test
    void stringsListsAndMaps() throws Exception {
        assertThat(errors("spec: {system: x86_64-linux, systems: [a]}")).containsExactly(
                "spec.system: Too long: may not be longer than 8",
                "spec.system: Invalid value: \"x86_64-linux\": spec.system in body should match '^[a-z]+-[a-z]+$'");
        assertThat(errors("spec: {expression: '', systems: [a]}")).containsExactly(
                "spec.expression: Invalid value: \"\": spec.expression in body should be at least 1 chars long");
        assertThat(errors("spec: {systems: []}")).containsExactly(
                "spec.systems: Invalid value: 0: spec.systems in body should have at least 1 items");
        assertThat(errors("spec: {systems: [a, b, c]}"))
                .containsExactly("spec.systems: Too many: 3: must have at most 2 items");
        assertThat(errors("spec: {systems: [a, 1]}")).containsExactly(
                "spec.systems[1]: Invalid value: \"integer\": spec.systems[1] in body must be of type string: \"integer\"");
        assertThat(errors("spec: {systems: [a], labels: {a: b, c: d}}"))
                .containsExactly("spec.labels: Too many: 1: must have at most 1 items");
        assertThat(errors("spec: {systems: [a], when: yesterday}")).containsExactly(
                "spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"");
    }

    @Test
    void goPrintsValuesItsOwnWay() {
        assertThat(GoValues.number(1.0)).isEqualTo("1");
        assertThat(GoValues.number(0.5)).isEqualTo("0.5");
        assertThat(GoValues.number(1e21)).isEqualTo("1e+21");
        assertThat(GoValues.number(0.00001)).isEqualTo("1e-05");
        assertThat(GoValues.quote("a\"b\n")).isEqualTo("\"a\\\"b\\n\"");
        assertThat(GoValues.of(new ObjectMapper().createObjectNode().put("b", 1).put("a", "x")))
                .isEqualTo("map[string]interface {}{\"a\":\"x\", \"b\":1}");
    }
}
