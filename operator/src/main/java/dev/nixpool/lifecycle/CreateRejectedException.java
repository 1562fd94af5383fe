package dev.nixpool.lifecycle;

/**
 * The API server refused to create an object, for a reason asking again would not change (403: quota or Pod Security
 * admission, 422: invalid, ...). Its message is the API server's, for the build's status and Event.
 */
public class CreateRejectedException extends RuntimeException {

    private final int code;

    public CreateRejectedException(String kind, String name, int code, String apiMessage) {
        super("the API server refused to create " + kind + " " + name + " (HTTP " + code + "): " + apiMessage);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
