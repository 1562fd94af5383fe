package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class JsonPathSubsetTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OBJECT = """
            {"metadata":{"name":"hello","creationTimestamp":"2026-01-01T00:00:00Z",
                         "labels":{"app.kubernetes.io/name":"nixpool"}},
             "spec":{"systems":["x86_64-linux","aarch64-linux"]},
             "status":{"phase":"Succeeded","outputs":[{"name":"out","path":"/nix/store/abc-hello"}]}}""";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            ".status.phase                             | \"Succeeded\"",
            "{.status.phase}                           | \"Succeeded\"",
            ".spec.systems                             | [\"x86_64-linux\",\"aarch64-linux\"]",
            ".spec.systems[1]                          | \"aarch64-linux\"",
            ".status.outputs[0].path                   | \"/nix/store/abc-hello\"",
            ".metadata.creationTimestamp               | \"2026-01-01T00:00:00Z\"",
            ".metadata.labels['app.kubernetes.io/name'] | \"nixpool\""})
    void evaluatesTheSubsetPrinterColumnsUse(String path, String expected) throws Exception {
        assertThat(JsonPathSubset.compile(path).evaluate(JSON.readTree(OBJECT))).isEqualTo(JSON.readTree(expected));
    }

    @ParameterizedTest(name = "{0} is missing")
    @CsvSource({".status.machine", ".status.outputs[3].path", ".status.phase.deeper", ".spec.systems[0].name"})
    void missingValuesAreMissingNodes(String path) throws Exception {
        JsonNode result = JsonPathSubset.compile(path).evaluate(JSON.readTree(OBJECT));
        assertThat(result.isMissingNode()).as(path + " gave " + result).isTrue();
    }

    @Test
    void rejectsWhatItDoesNotSupportWithTheReason() {
        assertThatThrownBy(() -> JsonPathSubset.compile("status.phase")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported JSONPath 'status.phase': it must start with '.' or '['");
        assertThatThrownBy(() -> JsonPathSubset.compile(".status.conditions[?(@.type=='Ready')].status"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only [N] and ['name'] are supported, got [?(@.type=='Ready')");
        assertThatThrownBy(() -> JsonPathSubset.compile(".status.outputs[0")).hasMessageContaining("is not closed");
        assertThatThrownBy(() -> JsonPathSubset.compile(".status..phase")).hasMessageContaining("empty field name");
    }
}
