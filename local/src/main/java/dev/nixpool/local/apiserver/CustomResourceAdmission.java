package dev.nixpool.local.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.nixpool.local.apiserver.ApiErrors.ErrorType;
import dev.nixpool.local.apiserver.ApiErrors.FieldError;

/**
 * What the API server does with a custom resource between decoding a write and storing it: prune unknown fields
 * (refused under fieldValidation=Strict, a warning each otherwise), apply defaults, check metadata.name on a create,
 * validate against the schema and then, unless a blocking schema error came first, the CEL rules; any error refuses
 * the write with 422 Invalid listing them all.
 */
final class CustomResourceAdmission {

    private static final Pattern DNS_SUBDOMAIN = Pattern
            .compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final String DNS_SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case"
            + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g."
            + " 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
            + "[a-z0-9])?)*')";
    /** Schema errors after which the API server does not run the CEL rules (hasBlockingErr). */
    private static final List<ErrorType> BLOCKING = List.of(ErrorType.NOT_SUPPORTED, ErrorType.REQUIRED,
            ErrorType.TOO_LONG, ErrorType.TOO_MANY, ErrorType.TYPE_INVALID);

    /** How a write wants unknown fields treated (the fieldValidation query parameter). */
    enum FieldValidation {
        IGNORE, WARN, STRICT;

        static FieldValidation of(String parameter) {
            if (parameter == null || parameter.isEmpty()) {
                return WARN;
            }
            return switch (parameter) {
                case "Ignore" -> IGNORE;
                case "Warn" -> WARN;
                case "Strict" -> STRICT;
                default -> throw new ApiErrors.Failure(400, "fieldValidation must be one of \"Ignore\", \"Warn\" or"
                        + " \"Strict\", got \"" + parameter + "\"", null);
            };
        }
    }

    private final CelPrograms programs = new CelPrograms();
    private final CelValidator cel = new CelValidator(programs);

    /**
     * Compiles every rule and message expression of these types' schemas ahead of their first write: loading CEL
     * and compiling takes seconds on a small machine, which a first kubectl apply should not wait for.
     */
    void compileRules(List<ApiResource> types) {
        types.stream().filter(t -> t.schema() != null).forEach(t -> compileRules(t.schema()));
    }

    private void compileRules(JsonNode schema) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            programs.compile(rule.path("rule").asText());
            if (rule.hasNonNull("messageExpression")) {
                programs.compile(rule.path("messageExpression").asText());
            }
        }
        schema.path("properties").forEach(this::compileRules);
        for (String nested : List.of("additionalProperties", "items")) {
            if (schema.path(nested).isObject()) {
                compileRules(schema.get(nested));
            }
        }
    }

    /**
     * Prunes and defaults {@code object} in place and validates it, or throws the API server's answer.
     *
     * @param old the stored object on an update, null on a create
     * @param statusWrite a write to the status subresource: only the status is the writer's, the rest is validated
     *        as stored
     * @return the warnings the answer carries
     */
    List<String> admit(ApiResource type, ObjectNode object, JsonNode old, FieldValidation mode, boolean statusWrite) {
        if (type.schema() == null) {
            return List.of();
        }
        SchemaNode root = new SchemaNode(type.schema());
        List<String> unknown = SchemaPruner.prune(object, root);
        List<String> warnings = unknown.stream().map(f -> "unknown field \"" + f + "\"").toList();
        if (mode == FieldValidation.STRICT && !unknown.isEmpty()) {
            throw ApiErrors.undecodable(type.kind(), type.version(),
                    "strict decoding error: " + String.join(", ", warnings));
        }
        SchemaDefaulter.apply(object, root);
        JsonNode target = object;
        if (statusWrite && old != null) {
            ObjectNode merged = old.deepCopy();
            if (object.has("status")) {
                merged.set("status", object.get("status"));
            } else {
                merged.remove("status");
            }
            target = merged;
        }
        List<FieldError> errors = new ArrayList<>();
        String name = object.path("metadata").path("name").asText("");
        if (old == null && !name.isEmpty() && (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches())) {
            errors.add(new FieldError("metadata.name", GoValues.quote(name), DNS_SUBDOMAIN_MESSAGE));
        }
        errors.addAll(SchemaValidator.validate(target, root));
        if (errors.stream().anyMatch(e -> BLOCKING.contains(e.type()))) {
            errors.add(new FieldError("<nil>", GoValues.quote("null"), "some validation rules were not checked"
                    + " because the object was invalid; correct the existing errors to complete validation"));
        } else {
            errors.addAll(cel.validate(target, old, root));
        }
        if (!errors.isEmpty()) {
            throw ApiErrors.invalid(type.kind(), type.group(), name, errors);
        }
        return mode == FieldValidation.IGNORE ? List.of() : warnings;
    }
}
