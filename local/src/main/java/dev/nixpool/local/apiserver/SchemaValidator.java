package dev.nixpool.local.apiserver;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;

import dev.nixpool.local.apiserver.ApiErrors.ErrorType;
import dev.nixpool.local.apiserver.ApiErrors.FieldError;

/**
 * Checks a pruned and defaulted custom resource against its structural schema's value validations as the API
 * server's kube-openapi validator does, with its messages as apiextensions-apiserver turns them into field errors:
 * type, enum, required, string length, pattern (RE2, as Go's regexp), format, numeric bounds, item and property
 * counts.
 */
final class SchemaValidator {

    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    private SchemaValidator() {
    }

    static List<FieldError> validate(JsonNode object, SchemaNode root) {
        List<FieldError> errors = new ArrayList<>();
        validateObject(object, root, "", true, errors);
        return errors;
    }

    private static void validate(JsonNode value, SchemaNode schema, String path, List<FieldError> errors) {
        if (value.isNull()) {
            if (!schema.nullable() && !schema.types().isEmpty()) {
                typeError(path, String.join(",", schema.types()), "null", errors);
            }
            return;
        }
        String kind = kindOf(value);
        List<String> types = schema.types();
        boolean integralNumber = kind.equals("number") && value.doubleValue() == Math.rint(value.doubleValue())
                && types.contains("integer");
        boolean intAsNumber = kind.equals("integer") && types.contains("number");
        if (!types.isEmpty() && !types.contains(kind) && !integralNumber && !intAsNumber) {
            typeError(path, String.join(",", types), kind, errors);
            return;
        }
        switch (kind) {
            case "string" -> validateString(value.asText(), schema, path, errors);
            case "integer", "number" -> validateNumber(value, schema, path, errors);
            case "array" -> validateArray(value, schema, path, errors);
            case "object" -> validateObject(value, schema, path, false, errors);
            default -> {
            }
        }
        validateEnum(value, schema, path, errors);
    }

    private static void typeError(String path, String expected, String actual, List<FieldError> errors) {
        errors.add(new FieldError(path, ErrorType.TYPE_INVALID, GoValues.quote(actual),
                name(path) + " in body must be of type " + expected + ": " + GoValues.quote(actual)));
    }

    private static void validateString(String s, SchemaNode schema, String path, List<FieldError> errors) {
        long length = s.codePointCount(0, s.length());
        if (schema.has("maxLength") && length > schema.get("maxLength").asLong()) {
            errors.add(new FieldError(path, ErrorType.TOO_LONG, GoValues.quote(s),
                    "may not be longer than " + schema.get("maxLength").asLong()));
        }
        if (schema.has("minLength") && length < schema.get("minLength").asLong()) {
            errors.add(new FieldError(path, GoValues.quote(s),
                    name(path) + " in body should be at least " + schema.get("minLength").asLong() + " chars long"));
        }
        if (schema.has("pattern")) {
            String pattern = schema.get("pattern").asText();
            if (!PATTERNS.computeIfAbsent(pattern, Pattern::compile).matcher(s).find()) {
                errors.add(new FieldError(path, GoValues.quote(s),
                        name(path) + " in body should match '" + pattern + "'"));
            }
        }
        if (schema.has("format") && !SchemaFormats.valid(schema.get("format").asText(), s)) {
            errors.add(new FieldError(path, ErrorType.TYPE_INVALID, GoValues.quote(s),
                    name(path) + " in body must be of type " + schema.get("format").asText() + ": "
                            + GoValues.quote(s)));
        }
    }

    private static void validateNumber(JsonNode value, SchemaNode schema, String path, List<FieldError> errors) {
        BigDecimal n = value.decimalValue();
        String printed = GoValues.scalar(value);
        if (schema.has("maximum")) {
            BigDecimal max = schema.get("maximum").decimalValue();
            boolean exclusive = schema.json().path("exclusiveMaximum").asBoolean(false);
            if (exclusive ? n.compareTo(max) >= 0 : n.compareTo(max) > 0) {
                errors.add(new FieldError(path, printed, name(path) + " in body should be less than "
                        + (exclusive ? "" : "or equal to ") + GoValues.number(max.doubleValue())));
            }
        }
        if (schema.has("minimum")) {
            BigDecimal min = schema.get("minimum").decimalValue();
            boolean exclusive = schema.json().path("exclusiveMinimum").asBoolean(false);
            if (exclusive ? n.compareTo(min) <= 0 : n.compareTo(min) < 0) {
                errors.add(new FieldError(path, printed, name(path) + " in body should be greater than "
                        + (exclusive ? "" : "or equal to ") + GoValues.number(min.doubleValue())));
            }
        }
        if (schema.has("multipleOf")) {
            BigDecimal factor = schema.get("multipleOf").decimalValue();
            if (factor.signum() > 0 && n.remainder(factor).signum() != 0) {
                errors.add(new FieldError(path, printed,
                        name(path) + " in body should be a multiple of " + GoValues.number(factor.doubleValue())));
            }
        }
        if (value.isIntegralNumber() && schema.has("format")) {
            String format = schema.get("format").asText();
            boolean fits = switch (format) {
                case "int32" -> n.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0
                        && n.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0;
                case "int64" -> n.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
                        && n.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
                default -> true;
            };
            if (!fits) {
                errors.add(new FieldError(path, ErrorType.TYPE_INVALID, printed,
                        name(path) + " in body must be of type " + format + ": " + GoValues.quote(printed)));
            }
        }
    }

    private static void validateArray(JsonNode array, SchemaNode schema, String path, List<FieldError> errors) {
        schema.items().ifPresent(items -> {
            for (int i = 0; i < array.size(); i++) {
                validate(array.get(i), items, SchemaNode.index(path, i), errors);
            }
        });
        if (schema.has("minItems") && array.size() < schema.get("minItems").asLong()) {
            errors.add(new FieldError(path, Integer.toString(array.size()),
                    name(path) + " in body should have at least " + schema.get("minItems").asLong() + " items"));
        }
        if (schema.has("maxItems") && array.size() > schema.get("maxItems").asLong()) {
            errors.add(new FieldError(path, ErrorType.TOO_MANY, Integer.toString(array.size()),
                    "must have at most " + schema.get("maxItems").asLong() + " items"));
        }
    }

    private static void validateObject(JsonNode object, SchemaNode schema, String path, boolean root,
            List<FieldError> errors) {
        // kube-openapi's object validator stops at a property count out of bounds, and its error carries the bound
        // where apiextensions expects the count: "Too many: 32: must have at most 32 items" for 33 entries
        if (schema.has("minProperties") && object.size() < schema.get("minProperties").asLong()) {
            long min = schema.get("minProperties").asLong();
            errors.add(new FieldError(path, Long.toString(min),
                    name(path) + " in body should have at least " + min + " properties"));
            return;
        }
        if (schema.has("maxProperties") && object.size() > schema.get("maxProperties").asLong()) {
            long max = schema.get("maxProperties").asLong();
            errors.add(new FieldError(path, ErrorType.TOO_MANY, Long.toString(max),
                    "must have at most " + max + " items"));
            return;
        }
        for (JsonNode required : schema.json().path("required")) {
            if (!object.has(required.asText())) {
                errors.add(new FieldError(SchemaNode.child(path, required.asText()), ErrorType.REQUIRED, null, ""));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (root && SchemaNode.OBJECT_META_FIELDS.contains(field.getKey())
                    && schema.property(field.getKey()).isEmpty()) {
                continue;
            }
            String child = SchemaNode.child(path, field.getKey());
            schema.field(field.getKey()).ifPresent(s -> validate(field.getValue(), s, child, errors));
        }
    }

    private static void validateEnum(JsonNode value, SchemaNode schema, String path, List<FieldError> errors) {
        JsonNode allowed = schema.get("enum");
        if (allowed == null || !allowed.isArray()) {
            return;
        }
        for (JsonNode candidate : allowed) {
            if (sameValue(candidate, value)) {
                return;
            }
        }
        List<String> values = new ArrayList<>();
        allowed.forEach(v -> values.add(GoValues.quote(v.isTextual() ? v.asText() : v.toString())));
        errors.add(new FieldError(path, ErrorType.NOT_SUPPORTED, GoValues.of(value),
                "supported values: " + String.join(", ", values)));
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    static String kindOf(JsonNode value) {
        if (value.isTextual()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        if (value.isArray()) {
            return "array";
        }
        if (value.isObject()) {
            return "object";
        }
        return "null";
    }

    /** The error's Name as kube-openapi prints it in a message: the path, or "." at the root. */
    private static String name(String path) {
        return path.isEmpty() ? "." : path;
    }
}
