package dev.nixpool.local.apiserver;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Renders objects as a meta.k8s.io/v1 Table, which is what kubectl asks for ({@code as=Table}) to print
 * {@code kubectl get} output. Cells follow the API server's rules for CRD printer columns: string cells of
 * non-scalar values are their JSON text, date cells are ages, missing values are null (kubectl prints {@code <none>}).
 */
final class TableRenderer {

    /** What each row carries besides its cells ({@code ?includeObject=}). */
    enum IncludeObject {
        NONE, METADATA, OBJECT;

        static IncludeObject fromQuery(String value) {
            if (value == null || value.isEmpty() || value.equals("Metadata")) {
                return METADATA;
            }
            return switch (value) {
                case "None" -> NONE;
                case "Object" -> OBJECT;
                default -> throw new IllegalArgumentException(
                        "includeObject must be None, Metadata or Object, got '" + value + "'");
            };
        }
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Clock clock;

    TableRenderer(Clock clock) {
        this.clock = clock;
    }

    ObjectNode render(List<PrinterColumn> columns, List<JsonNode> objects, String resourceVersion,
            IncludeObject include, boolean withColumnDefinitions) {
        ObjectNode table = JSON.objectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode metadata = table.putObject("metadata");
        if (resourceVersion != null) {
            metadata.put("resourceVersion", resourceVersion);
        }
        ArrayNode definitions = table.putArray("columnDefinitions");
        if (withColumnDefinitions) {
            for (PrinterColumn c : columns) {
                ObjectNode d = definitions.addObject();
                d.put("name", c.name());
                d.put("type", c.type());
                d.put("format", c.format());
                d.put("description", c.description());
                d.put("priority", c.priority());
            }
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (PrinterColumn c : columns) {
                cells.add(cell(c, c.jsonPath().evaluate(object)));
            }
            switch (include) {
                case OBJECT -> row.set("object", object);
                case METADATA -> row.set("object", partialMetadata(object));
                case NONE -> {
                }
            }
        }
        return table;
    }

    private static ObjectNode partialMetadata(JsonNode object) {
        ObjectNode partial = JSON.objectNode();
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", object.path("metadata").deepCopy());
        return partial;
    }

    JsonNode cell(PrinterColumn column, JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return JSON.nullNode();
        }
        return switch (column.type()) {
            case "integer" -> value.isIntegralNumber() ? value : JSON.nullNode();
            case "number" -> value.isNumber() ? value : JSON.nullNode();
            case "boolean" -> value.isBoolean() ? value : JSON.nullNode();
            case "date" -> age(value);
            default -> value.isValueNode() ? JSON.textNode(value.asText()) : JSON.textNode(value.toString());
        };
    }

    private JsonNode age(JsonNode value) {
        if (!value.isTextual()) {
            return JSON.nullNode();
        }
        try {
            Instant then = Instant.parse(value.asText());
            return JSON.textNode(HumanDuration.format(Duration.between(then, clock.instant())));
        } catch (DateTimeParseException e) {
            return JSON.textNode("<invalid>");
        }
    }
}
