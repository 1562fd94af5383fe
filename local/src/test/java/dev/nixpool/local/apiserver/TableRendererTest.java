package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;

class TableRendererTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
    private static final TableRenderer TABLES = new TableRenderer(Clock.fixed(NOW, ZoneOffset.UTC));
    private static final String CRD_VERSION = """
            {"name":"v1alpha1","additionalPrinterColumns":[
              {"jsonPath":".metadata.creationTimestamp","name":"Age","type":"date","priority":0},
              {"jsonPath":".status.attempts","name":"Attempts","type":"integer","priority":1},
              {"jsonPath":".spec.systems","name":"Systems","type":"string","priority":0},
              {"jsonPath":".status.outputs[0].path","name":"Output","type":"string","priority":0},
              {"jsonPath":".status.phase","name":"Phase","type":"string","priority":0}]}""";

    @Test
    void rendersAMetaV1TableFromTheCrdsPrinterColumns() throws Exception {
        List<PrinterColumn> columns = PrinterColumn.forCrdVersion(JSON.readTree(CRD_VERSION));
        JsonNode built = JSON.readTree(
                """
                        {"metadata":{"name":"hello","namespace":"default","creationTimestamp":"2026-01-01T00:58:20Z"},
                         "spec":{"systems":["x86_64-linux"]},
                         "status":{"phase":"Succeeded","attempts":2,"outputs":[{"name":"out","path":"/nix/store/abc-hello"}]}}""");
        JsonNode pending = JSON.readTree("""
                {"metadata":{"name":"queued","namespace":"default","creationTimestamp":"2025-12-30T01:00:00Z"},
                 "spec":{"systems":["x86_64-linux"]}}""");

        JsonNode table = TABLES.render(columns, List.of(built, pending), "42", TableRenderer.IncludeObject.METADATA,
                true);

        assertThat(table.path("kind").asText()).isEqualTo("Table");
        assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(table.path("metadata").path("resourceVersion").asText()).isEqualTo("42");
        assertThat(table.path("columnDefinitions").findValuesAsText("name"))
                .containsExactly("Name", "Age", "Attempts", "Systems", "Output", "Phase");
        assertThat(table.path("columnDefinitions").get(0).path("format").asText()).isEqualTo("name");
        assertThat(table.path("columnDefinitions").get(2).path("priority").asInt()).isEqualTo(1);
        assertThat(table.path("rows").get(0).path("cells")).isEqualTo(JSON.readTree(
                "[\"hello\",\"100s\",2,\"[\\\"x86_64-linux\\\"]\",\"/nix/store/abc-hello\",\"Succeeded\"]"));
        assertThat(table.path("rows").get(1).path("cells"))
                .isEqualTo(JSON.readTree("[\"queued\",\"2d\",null,\"[\\\"x86_64-linux\\\"]\",null,null]"));
        JsonNode object = table.path("rows").get(0).path("object");
        assertThat(object.path("kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(object.path("metadata").path("name").asText()).isEqualTo("hello");
        assertThat(object.has("spec")).isFalse();
    }

    @Test
    void followsTheCommittedCrdsColumnOrderAndPriorityAsTheApiServerDoes() throws Exception {
        // the API server sends every column, priority 1 ones too, in the CRD's order; kubectl hides priority 1 unless
        // -o wide
        CustomResourceDefinition crd = EmbeddedApiServer.loadCrds(repoRoot().resolve("crds")).stream()
                .filter(c -> c.getSpec().getNames().getKind().equals("NixBuild")).findFirst().orElseThrow();
        JsonNode version = JSON.valueToTree(crd.getSpec().getVersions().get(0));
        JsonNode build = JSON.readTree("""
                {"metadata":{"name":"hello","creationTimestamp":"2026-01-01T00:59:00Z"},
                 "status":{"phase":"Pending","machine":"default","attempts":1,"queuePosition":4}}""");

        JsonNode table = TABLES.render(PrinterColumn.forCrdVersion(version), List.of(build), null,
                TableRenderer.IncludeObject.NONE, true);

        List<String> definitions = new ArrayList<>();
        table.path("columnDefinitions")
                .forEach(d -> definitions.add(d.path("name").asText() + "@" + d.path("priority").asInt()));
        assertThat(definitions).containsExactly("Name@0", "Phase@0", "Machine@0", "Output@0", "Age@0", "Builder@1",
                "Attempts@1", "Queue@1", "Duration@1");
        assertThat(table.path("rows").get(0).path("cells"))
                .isEqualTo(JSON.readTree("[\"hello\",\"Pending\",\"default\",null,\"60s\",null,1,4,null]"));
    }

    private static Path repoRoot() {
        return Path.of(System.getProperty("nixpool.repo.root")).toAbsolutePath().normalize();
    }

    @Test
    void withoutPrinterColumnsShowsNameAndAgeAndHonoursIncludeObject() throws Exception {
        JsonNode pod = JSON.readTree("{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},"
                + "\"spec\":{\"x\":1}}");
        JsonNode table = TABLES.render(PrinterColumn.forCrdVersion(JSON.readTree("{\"name\":\"v1\"}")), List.of(pod),
                null, TableRenderer.IncludeObject.OBJECT, false);
        assertThat(table.path("columnDefinitions").isEmpty()).isTrue();
        assertThat(table.path("rows").get(0).path("cells")).isEqualTo(JSON.readTree("[\"p\",\"60m\"]"));
        assertThat(table.path("rows").get(0).path("object")).isEqualTo(pod);
        assertThat(TABLES.render(PrinterColumn.defaults(), List.of(pod), null, TableRenderer.IncludeObject.NONE, true)
                .path("rows").get(0).has("object")).isFalse();
    }

    @Test
    void cellsOfTheWrongTypeAreNull() throws Exception {
        PrinterColumn integer = new PrinterColumn("N", "integer", "", "", 0, JsonPathSubset.compile(".n"));
        PrinterColumn date = new PrinterColumn("D", "date", "", "", 0, JsonPathSubset.compile(".d"));
        assertThat(TABLES.cell(integer, JSON.readTree("\"seven\"")).isNull()).isTrue();
        assertThat(TABLES.cell(integer, JSON.readTree("1.5")).isNull()).isTrue();
        assertThat(TABLES.cell(date, JSON.readTree("\"yesterday\"")).asText()).isEqualTo("<invalid>");
    }

    @ParameterizedTest(name = "{0} s -> {1}")
    @CsvSource({"-5, <invalid>", "-1, 0s", "0, 0s", "119, 119s", "120, 2m", "150, 2m30s", "600, 10m", "10799, 179m",
            "10800, 3h", "11100, 3h5m", "28800, 8h", "172799, 47h", "172800, 2d", "180000, 2d2h", "691200, 8d",
            "63072000, 2y", "63158400, 2y1d", "252288000, 8y"})
    void agesLikeTheApiServer(long seconds, String expected) {
        assertThat(HumanDuration.format(Duration.ofSeconds(seconds))).isEqualTo(expected);
    }
}
