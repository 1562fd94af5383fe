package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.nixpool.local.apiserver.ApiErrors.FieldError;

/** x-kubernetes-validations rules: plain, transition, with messages, reasons, field paths and Kubernetes' library. */
class CelValidatorTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final CelValidator CEL = new CelValidator(new CelPrograms());

    private static final String SCHEMA = """
            type: object
            properties:
              spec:
                type: object
                x-kubernetes-validations:
                - rule: "!has(self.minIdle) || !has(self.maxBuilders) || self.minIdle <= self.maxBuilders"
                  message: minIdle must not exceed maxBuilders
                - rule: "self.flake == oldSelf.flake"
                  message: flake is immutable
                  reason: FieldValueForbidden
                  fieldPath: .flake
                - rule: "!has(self.name) || self.name.size() < 5"
                  messageExpression: "'name ' + self.name + ' is longer than 4'"
                - rule: "!has(self.weights) || self.weights.isSorted() && self.weights.sum() < 10"
                - rule: "!has(self.flake) || self.flake.find('^-') == ''"
                  message: a flake must not start with -
                properties:
                  minIdle: {type: integer}
                  maxBuilders: {type: integer}
                  flake: {type: string}
                  name: {type: string}
                  weights: {type: array, items: {type: integer}}
                  resources:
                    type: object
                    x-kubernetes-validations:
                    - rule: "self.all(k, isQuantity(string(self[k])))"
                      message: resources must be quantities
                    - rule: "!has(self.memory) || quantity(string(self.memory)).isLessThan(quantity('1Ti'))"
                      message: at most 1Ti of memory
                    additionalProperties: {x-kubernetes-int-or-string: true}
            """;

    private static List<String> errors(String object, String old) throws Exception {
        JsonNode schema = YAML.readTree(SCHEMA);
        return CEL.validate(YAML.readTree(object), old == null ? null : YAML.readTree(old), new SchemaNode(schema))
                .stream().map(FieldError::text).toList();
    }

    @Test
    void ruleMessagesCarryTheSchemaTypeAsTheValue() throws Exception {
        assertThat(errors("spec: {minIdle: 3, maxBuilders: 2}", null))
                .containsExactly("spec: Invalid value: \"object\": minIdle must not exceed maxBuilders");
        assertThat(errors("spec: {minIdle: 2, maxBuilders: 2}", null)).isEmpty();
    }

    @Test
    void transitionRulesRunOnlyOnUpdatesWithAnOldValue() throws Exception {
        assertThat(errors("spec: {flake: 'a#b'}", null)).isEmpty();
        assertThat(errors("spec: {flake: 'a#b'}", "spec: {flake: 'a#b'}")).isEmpty();
        assertThat(errors("spec: {flake: 'a#c'}", "spec: {flake: 'a#b'}"))
                .containsExactly("spec.flake: Forbidden: flake is immutable");
    }

    @Test
    void messageExpressionsDefaultMessagesAndTheKubernetesLibrary() throws Exception {
        assertThat(errors("spec: {name: abcdef}", null))
                .containsExactly("spec: Invalid value: \"object\": name abcdef is longer than 4");
        assertThat(errors("spec: {weights: [3, 1]}", null)).containsExactly("spec: Invalid value: \"object\": failed"
                + " rule: !has(self.weights) || self.weights.isSorted() && self.weights.sum() < 10");
        assertThat(errors("spec: {weights: [1, 3]}", null)).isEmpty();
        assertThat(errors("spec: {flake: '-oops'}", null))
                .containsExactly("spec: Invalid value: \"object\": a flake must not start with -");
    }

    @Test
    void aRuleThatFailsToEvaluateIsAnErrorNamingIt() throws Exception {
        JsonNode schema = YAML.readTree("""
                type: object
                properties:
                  spec:
                    type: object
                    x-kubernetes-validations:
                    - rule: "self.minIdle <= 3"
                      message: at most 3 idle
                    properties: {minIdle: {type: integer}}
                """);
        List<String> errors = CEL.validate(YAML.readTree("spec: {}"), null, new SchemaNode(schema)).stream()
                .map(FieldError::text).toList();
        assertThat(errors).singleElement().asString().startsWith("spec: Invalid value: \"object\": ")
                .endsWith(" evaluating rule: at most 3 idle");
    }

    @Test
    void quantities() throws Exception {
        assertThat(errors("spec: {resources: {cpu: 500m, memory: 2Gi, devices.kubevirt.io/kvm: 1}}", null)).isEmpty();
        assertThat(errors("spec: {resources: {cpu: lots}}", null))
                .containsExactly("spec.resources: Invalid value: \"object\": resources must be quantities");
        assertThat(errors("spec: {resources: {memory: 2Ti}}", null))
                .containsExactly("spec.resources: Invalid value: \"object\": at most 1Ti of memory");
        assertThat(Quantity.parse("1.5Gi")).hasValueSatisfying(
                q -> assertThat(q.value()).isEqualByComparingTo(java.math.BigDecimal.valueOf(1.5 * (1L << 30))));
        assertThat(Quantity.parse("1e3")).hasValueSatisfying(
                q -> assertThat(q.value()).isEqualByComparingTo(java.math.BigDecimal.valueOf(1000)));
        assertThat(Quantity.parse("2 Gi")).isEmpty();
        assertThat(Quantity.parse("Gi")).isEmpty();
        assertThat(Quantity.parse("1GB")).isEmpty();
    }
}
