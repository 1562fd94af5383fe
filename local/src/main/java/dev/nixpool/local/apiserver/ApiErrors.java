package dev.nixpool.local.apiserver;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** meta/v1 Status bodies for failed requests, so kubectl reports them as a real API server's. */
final class ApiErrors {

    private ApiErrors() {
    }

    static ObjectNode status(int code, String reason, String message, ResourcePath path) {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason);
        if (path != null) {
            ObjectNode details = status.putObject("details");
            if (path.name() != null) {
                details.put("name", path.name());
            }
            details.put("group", path.group());
            details.put("kind", path.plural());
        }
        status.put("code", code);
        return status;
    }

    /** A request that ends in a Status answer, thrown from deep inside its handling. */
    static final class Failure extends RuntimeException {

        private final int code;
        private final transient ObjectNode status;

        Failure(int code, ObjectNode status) {
            super(status.path("message").asText(), null, false, false);
            this.code = code;
            this.status = status;
        }

        Failure(int code, String message, ResourcePath path) {
            this(code, ApiErrors.status(code, reasonFor(code), message, path));
        }

        int code() {
            return code;
        }

        ObjectNode status() {
            return status;
        }
    }

    /** field.ErrorType: the cause's reason and the words ErrorBody starts with. */
    enum ErrorType {
        NOT_FOUND("FieldValueNotFound", "Not found"), REQUIRED("FieldValueRequired", "Required value"), DUPLICATE(
                "FieldValueDuplicate", "Duplicate value"), INVALID("FieldValueInvalid", "Invalid value"), NOT_SUPPORTED(
                        "FieldValueNotSupported", "Unsupported value"), FORBIDDEN("FieldValueForbidden",
                                "Forbidden"), TOO_LONG("FieldValueTooLong", "Too long"), TOO_MANY("FieldValueTooMany",
                                        "Too many"), INTERNAL("InternalError", "Internal error"), TYPE_INVALID(
                                                "FieldValueTypeInvalid", "Invalid value");

        final String reason;
        final String text;

        ErrorType(String reason, String text) {
            this.reason = reason;
            this.text = text;
        }

        /** ErrorBody leaves the value out of these. */
        boolean omitsValue() {
            return this == REQUIRED || this == FORBIDDEN || this == TOO_LONG || this == INTERNAL;
        }
    }

    /**
     * One field.Error of the API server's validation.
     *
     * @param value the bad value already printed the way Go prints it ({@link GoValues}); null when there is none
     */
    record FieldError(String field, ErrorType type, String value, String detail) {

        FieldError(String field, String value, String detail) {
            this(field, ErrorType.INVALID, value, detail);
        }

        /** field.Error's ErrorBody. */
        String body() {
            StringBuilder s = new StringBuilder(type.text);
            if (value != null && !type.omitsValue()) {
                s.append(": ").append(value);
            }
            if (detail != null && !detail.isEmpty()) {
                s.append(": ").append(detail);
            }
            return s.toString();
        }

        /** field.Error's Error(): the path, then the body. */
        String text() {
            return field + ": " + body();
        }
    }

    /** 422 Invalid, as apierrors.NewInvalid makes it: one cause per field error, all of them in the message. */
    static Failure invalid(String kind, String group, String name, List<FieldError> errors) {
        // the aggregate in the message drops repeated texts, the causes keep every error
        List<String> texts = errors.stream().map(FieldError::text).distinct().toList();
        String qualified = group.isEmpty() ? kind : kind + "." + group;
        String message = qualified + " \"" + name + "\" is invalid: "
                + (texts.size() == 1 ? texts.get(0) : "[" + String.join(", ", texts) + "]");
        ObjectNode status = status(422, "Invalid", message, null);
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("name", name);
        details.put("group", group);
        details.put("kind", kind);
        ArrayNode causes = details.putArray("causes");
        for (FieldError e : errors) {
            causes.addObject().put("reason", e.type().reason).put("message", e.body()).put("field", e.field());
        }
        status.set("details", details);
        status.set("code", status.remove("code"));
        return new Failure(422, status);
    }

    /** 400 BadRequest for a body the decoder refuses, as a strict decoding error of a custom resource reads. */
    static Failure undecodable(String kind, String version, String error) {
        return new Failure(400, status(400, "BadRequest",
                kind + " in version \"" + version + "\" cannot be handled as a " + kind + ": " + error, null));
    }

    /** 500 InternalError, as apierrors.NewInternalError makes it. */
    static Failure internal(String error, ResourcePath path) {
        ObjectNode status = status(500, "InternalError", "Internal error occurred: " + error, path);
        ((ObjectNode) status.get("details")).putArray("causes").addObject().put("message", error);
        return new Failure(500, status);
    }

    /** The message of a write whose resourceVersion precondition no longer holds (409 Conflict). */
    static String conflictMessage(ResourcePath path) {
        String resource = path.group().isEmpty() ? path.plural() : path.plural() + "." + path.group();
        return "Operation cannot be fulfilled on " + resource + " \"" + path.name()
                + "\": the object has been modified; please apply your changes to the latest version and try again";
    }

    static String reasonFor(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 415 -> "UnsupportedMediaType";
            case 422 -> "Invalid";
            default -> code >= 500 ? "InternalError" : "Unknown";
        };
    }

    static String notFoundMessage(ResourcePath path) {
        String resource = path.group().isEmpty() ? path.plural() : path.plural() + "." + path.group();
        return path.name() == null
                ? "the server could not find the requested resource"
                : resource + " \"" + path.name() + "\" not found";
    }
}
