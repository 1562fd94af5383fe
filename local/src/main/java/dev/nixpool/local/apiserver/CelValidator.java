package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cel.runtime.CelEvaluationException;
import dev.nixpool.local.apiserver.ApiErrors.ErrorType;
import dev.nixpool.local.apiserver.ApiErrors.FieldError;

/**
 * Evaluates a structural schema's {@code x-kubernetes-validations} rules on an object as the API server does: each
 * rule with {@code self} bound to the value at its place; transition rules (those naming {@code oldSelf}) only on an
 * update and only where an old value exists at the same place (object fields by name, map-list items by their keys);
 * a false rule gives its message (messageExpression first, then message, else "failed rule: RULE") with its reason
 * and fieldPath.
 */
final class CelValidator {

    private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");

    private final CelPrograms programs;

    CelValidator(CelPrograms programs) {
        this.programs = programs;
    }

    /** @param old the stored object on an update, null on a create */
    List<FieldError> validate(JsonNode object, JsonNode old, SchemaNode root) {
        List<FieldError> errors = new ArrayList<>();
        walk(object, old, root, "", true, errors);
        return errors;
    }

    private void walk(JsonNode value, JsonNode old, SchemaNode schema, String path, boolean root,
            List<FieldError> errors) {
        if (value == null || value.isNull()) {
            return;
        }
        evaluateRules(value, old, schema, path, errors);
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                if (root && SchemaNode.OBJECT_META_FIELDS.contains(field.getKey())) {
                    continue;
                }
                JsonNode oldField = old == null ? null : old.get(field.getKey());
                schema.field(field.getKey()).ifPresent(s -> walk(field.getValue(), oldField, s,
                        SchemaNode.child(path, field.getKey()), false, errors));
            }
        } else if (value.isArray()) {
            schema.items().ifPresent(items -> {
                for (int i = 0; i < value.size(); i++) {
                    walk(value.get(i), correlatedItem(value.get(i), old, schema), items, SchemaNode.index(path, i),
                            false, errors);
                }
            });
        }
    }

    /** Items of a list-type map are matched to the old list's by their keys; other lists' items have no old value. */
    private static JsonNode correlatedItem(JsonNode item, JsonNode oldList, SchemaNode list) {
        JsonNode keys = list.get("x-kubernetes-list-map-keys");
        if (oldList == null || !oldList.isArray() || !"map".equals(list.json().path("x-kubernetes-list-type").asText())
                || keys == null) {
            return null;
        }
        for (JsonNode candidate : oldList) {
            boolean same = true;
            for (JsonNode key : keys) {
                same &= candidate.path(key.asText()).equals(item.path(key.asText()));
            }
            if (same) {
                return candidate;
            }
        }
        return null;
    }

    private void evaluateRules(JsonNode value, JsonNode old, SchemaNode schema, String path,
            List<FieldError> errors) {
        JsonNode rules = schema.get("x-kubernetes-validations");
        if (rules == null || !rules.isArray()) {
            return;
        }
        for (JsonNode rule : rules) {
            String expression = rule.path("rule").asText();
            boolean transition = OLD_SELF.matcher(expression).find();
            boolean optionalOld = rule.path("optionalOldSelf").asBoolean(false);
            if (transition && old == null && !optionalOld) {
                continue;
            }
            Optional<Object> oldSelf = old == null
                    ? (optionalOld ? Optional.of(Optional.empty()) : Optional.empty())
                    : Optional.of(optionalOld ? Optional.of(toCel(old, schema)) : toCel(old, schema));
            String fieldPath = fieldPath(path, rule.path("fieldPath").asText(""));
            CelPrograms.Compiled compiled = programs.compile(expression);
            if (compiled.error() != null) {
                errors.add(new FieldError(fieldPath, ErrorType.INTERNAL, null,
                        "rule compilation error: " + compiled.error()));
                continue;
            }
            Object self = toCel(value, schema);
            Object result;
            try {
                result = CelPrograms.eval(compiled.program(), self, oldSelf);
            } catch (CelEvaluationException e) {
                // worded as the API server words a runtime error (no such key, index out of bounds...); the error
                // itself is cel-java's, not cel-go's
                String ruleText = rule.path("message").asText("").isBlank()
                        ? expression.strip()
                        : rule.path("message").asText().strip();
                errors.add(new FieldError(path, GoValues.quote(schema.type()),
                        e.getMessage() + " evaluating rule: " + ruleText));
                continue;
            }
            if (Boolean.TRUE.equals(result)) {
                continue;
            }
            String message = message(rule, self, oldSelf);
            errors.add(switch (rule.path("reason").asText("FieldValueInvalid")) {
                case "FieldValueForbidden" -> new FieldError(fieldPath, ErrorType.FORBIDDEN, null, message);
                case "FieldValueRequired" -> new FieldError(fieldPath, ErrorType.REQUIRED, null, message);
                case "FieldValueDuplicate" -> new FieldError(fieldPath, ErrorType.DUPLICATE,
                        GoValues.quote(schema.type()), message);
                default -> new FieldError(fieldPath, GoValues.quote(schema.type()), message);
            });
        }
    }

    private String message(JsonNode rule, Object self, Optional<Object> oldSelf) {
        String messageExpression = rule.path("messageExpression").asText("");
        if (!messageExpression.isEmpty()) {
            CelPrograms.Compiled compiled = programs.compile(messageExpression);
            if (compiled.error() == null) {
                try {
                    Object text = CelPrograms.eval(compiled.program(), self, oldSelf);
                    if (text instanceof String s && !s.isBlank() && !s.contains("\n")) {
                        return s;
                    }
                } catch (CelEvaluationException e) {
                    // the API server falls back to the message (or the rule) when the expression fails
                }
            }
        }
        String message = rule.path("message").asText("");
        return message.isEmpty() ? "failed rule: " + rule.path("rule").asText() : message;
    }

    /** A rule's fieldPath ({@code .spec.x}, {@code ['a.b']}) appended to the path of the rule's place. */
    private static String fieldPath(String path, String relative) {
        if (relative.isEmpty()) {
            return path;
        }
        String joined = relative.startsWith(".") && path.isEmpty() ? relative.substring(1) : path + relative;
        return joined.replaceAll("\\['([^']*)'\\]", ".$1");
    }

    /**
     * JSON as CEL sees a value of this schema: objects as maps (so has() tests presence), integers as int, numbers as
     * double (integral ones too where the schema says number).
     */
    static Object toCel(JsonNode node, SchemaNode schema) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> {
                SchemaNode field = schema == null ? null : schema.field(e.getKey()).orElse(null);
                map.put(e.getKey(), toCel(e.getValue(), field));
            });
            return map;
        }
        if (node.isArray()) {
            SchemaNode items = schema == null ? null : schema.items().orElse(null);
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(toCel(n, items)));
            return list;
        }
        if (node.isNumber()) {
            boolean number = schema != null && schema.types().equals(List.of("number"));
            return node.isIntegralNumber() && !number ? (Object) node.asLong() : (Object) node.asDouble();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isNull()) {
            return com.google.protobuf.NullValue.NULL_VALUE;
        }
        return node.asText();
    }
}
