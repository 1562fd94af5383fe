package dev.nixpool.cli;

/** Bad command-line arguments; the message says what was expected and what came. */
public class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
