package dev.nixpool.lifecycle;

/**
 * The API server refused to create an object, for a reason asking again would not change (403: quota or Pod Security
 * admission, 422: invalid, ...). Its message is the API server's, for the build's status and Event.
 */
public class CreateRejectedException extends RuntimeException {

    private static final int CONFLICT = 409;
    private static final int TOO_MANY_REQUESTS = 429;

    private final int code;

    public CreateRejectedException(String kind, String name, int code, String apiMessage) {
        super("the API server refused to create " + kind + " " + name + " (HTTP " + code + "): " + apiMessage);
        this.code = code;
    }

    /**
     * Whether an API server's answer to a create is a refusal: a 4xx other than 409 (it exists) and 429 (come back
     * later). 5xx and no answer at all may pass, and go to the reconcile's retries.
     */
    public static boolean isRefusal(int code) {
        return code >= 400 && code < 500 && code != CONFLICT && code != TOO_MANY_REQUESTS;
    }

    public int code() {
        return code;
    }
}
