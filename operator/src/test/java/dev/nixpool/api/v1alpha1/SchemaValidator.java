package dev.nixpool.api.v1alpha1;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A structural OpenAPI v3 validator for the subset of keywords our CRDs use, with the API server's strict field
 * validation (unknown fields are errors, as with {@code kubectl apply}'s default). Every violation becomes one line
 * {@code <path>: <expected>, got <value>}. Defaulting is not applied: our CEL rules do not read defaulted fields.
 */
final class SchemaValidator {

    /** Root fields every object has; the API server checks them itself, CRD schemas leave them out. */
    private static final Set<String> API_SERVER_FIELDS = Set.of("apiVersion", "kind", "metadata");

    private final List<String> errors = new ArrayList<>();

    private SchemaValidator() {
    }

    static List<String> validate(JsonNode schema, JsonNode value) {
        SchemaValidator v = new SchemaValidator();
        v.check(schema, value, "");
        return v.errors;
    }

    private void check(JsonNode schema, JsonNode value, String path) {
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                error(path, "a value (null is not allowed)", value);
            }
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                error(path, "an integer or a string", value);
            }
            return;
        }
        String type = schema.path("type").asText("");
        if (!type.isEmpty() && !hasType(value, type)) {
            error(path, "type " + type, value);
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode allowed : schema.get("enum")) {
                found |= allowed.equals(value);
            }
            if (!found) {
                error(path, "one of " + schema.get("enum"), value);
            }
        }
        if (value.isTextual()) {
            checkString(schema, value, path);
        } else if (value.isNumber()) {
            checkNumber(schema, value, path);
        } else if (value.isArray()) {
            checkArray(schema, value, path);
        } else if (value.isObject()) {
            checkObject(schema, value, path);
        }
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            // a create has no old object: transition rules do not apply (CelRules checks them on updates)
            if (CelRules.isTransitionRule(rule.path("rule").asText())) {
                continue;
            }
            if (!CelRules.holds(rule.path("rule").asText(), value)) {
                error(path, rule.path("message").asText("rule " + rule.path("rule").asText()) + " (CEL rule "
                        + rule.path("rule").asText() + ")", value);
            }
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalArgumentException("schema type '" + type + "' is outside the supported subset");
        };
    }

    private void checkString(JsonNode schema, JsonNode value, String path) {
        String s = value.asText();
        int length = s.codePointCount(0, s.length());
        if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
            error(path, "at least " + schema.get("minLength").asInt() + " characters", value);
        }
        if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
            error(path, "at most " + schema.get("maxLength").asInt() + " characters", value);
        }
        if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
            error(path, "a string matching " + schema.get("pattern").asText(), value);
        }
    }

    private void checkNumber(JsonNode schema, JsonNode value, String path) {
        double d = value.asDouble();
        if (schema.has("minimum")) {
            double min = schema.get("minimum").asDouble();
            boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
            if (exclusive ? d <= min : d < min) {
                error(path, "a number " + (exclusive ? "> " : ">= ") + min, value);
            }
        }
        if (schema.has("maximum")) {
            double max = schema.get("maximum").asDouble();
            boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
            if (exclusive ? d >= max : d > max) {
                error(path, "a number " + (exclusive ? "< " : "<= ") + max, value);
            }
        }
    }

    private void checkArray(JsonNode schema, JsonNode value, String path) {
        if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
            error(path, "at least " + schema.get("minItems").asInt() + " items", value);
        }
        if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
            error(path, "at most " + schema.get("maxItems").asInt() + " items", value);
        }
        if (schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), path + "[" + i + "]");
            }
        }
    }

    private void checkObject(JsonNode schema, JsonNode value, String path) {
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText())) {
                error(join(path, required.asText()), "a value (the field is required)", null);
            }
        }
        if (schema.has("maxProperties") && value.size() > schema.get("maxProperties").asInt()) {
            error(path, "at most " + schema.get("maxProperties").asInt() + " entries", value);
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String child = join(path, field.getKey());
            if (path.isEmpty() && API_SERVER_FIELDS.contains(field.getKey())) {
                continue;
            }
            if (properties.has(field.getKey())) {
                check(properties.get(field.getKey()), field.getValue(), child);
            } else if (additional.isObject()) {
                check(additional, field.getValue(), child);
            } else if (!preserveUnknown) {
                error(child, "no such field (known: " + fieldNames(properties) + ")", field.getValue());
            }
        }
    }

    private static List<String> fieldNames(JsonNode properties) {
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private void error(String path, String expected, JsonNode value) {
        String got = value == null ? "nothing" : abbreviate(value.toString());
        errors.add((path.isEmpty() ? "<root>" : path) + ": expected " + expected + ", got " + got);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
