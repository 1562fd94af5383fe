package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Pruning and defaulting as a structural schema makes the API server do them. */
class SchemaPrunerTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final SchemaNode SCHEMA = schema("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  maxJobs: {type: integer, default: 1}
                  retries: {type: integer}
                  store:
                    type: object
                    default: {}
                    properties:
                      minFree: {type: string, default: 1Gi}
                  tolerations:
                    type: array
                    items: {type: object, properties: {key: {type: string}}}
                  selector: {type: object, additionalProperties: {type: string}}
                  extra: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {a: {type: string}}}
                  template:
                    type: object
                    x-kubernetes-embedded-resource: true
                    properties: {spec: {type: object}}
            """);

    private static SchemaNode schema(String yaml) {
        try {
            return new SchemaNode(YAML.readTree(yaml));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ObjectNode object(String yaml) throws Exception {
        return (ObjectNode) YAML.readTree(yaml);
    }

    @Test
    void unknownFieldsAreDroppedAndNamed() throws Exception {
        ObjectNode o = object("""
                apiVersion: nixpool.dev/v1alpha1
                kind: X
                metadata: {name: x}
                surprise: 1
                spec:
                  maxJobs: 2
                  typo: 3
                  tolerations: [{key: a, colour: red}]
                  selector: {any: thing}
                  extra: {a: x, b: kept, nested: {deep: kept}}
                  template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {}, status: gone}
                """);
        assertThat(SchemaPruner.prune(o, SCHEMA)).containsExactly("surprise", "spec.typo",
                "spec.tolerations[0].colour", "spec.template.status");
        assertThat(o).isEqualTo(object("""
                apiVersion: nixpool.dev/v1alpha1
                kind: X
                metadata: {name: x}
                spec:
                  maxJobs: 2
                  tolerations: [{key: a}]
                  selector: {any: thing}
                  extra: {a: x, b: kept, nested: {deep: kept}}
                  template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {}}
                """));
    }

    @Test
    void defaultsFillAbsentFieldsAndNullsWithoutDefaultsGo() throws Exception {
        ObjectNode o = object("spec: {retries: null}");
        SchemaDefaulter.apply(o, SCHEMA);
        assertThat(o).isEqualTo(object("spec: {maxJobs: 1, store: {minFree: 1Gi}}"));
        ObjectNode nulled = object("spec: {maxJobs: null, store: {minFree: 5Gi}}");
        SchemaDefaulter.apply(nulled, SCHEMA);
        assertThat(nulled).isEqualTo(object("spec: {maxJobs: 1, store: {minFree: 5Gi}}"));
    }
}
