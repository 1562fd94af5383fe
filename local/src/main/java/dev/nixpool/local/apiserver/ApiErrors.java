package dev.nixpool.local.apiserver;

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
