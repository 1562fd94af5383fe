package dev.nixpool.nix.json;

/** Text that is not the JSON it should be; the message says what and at which offset. */
public class JsonFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public JsonFormatException(String message) {
        super(message);
    }
}
