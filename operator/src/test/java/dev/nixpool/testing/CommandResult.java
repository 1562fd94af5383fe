package dev.nixpool.testing;

/**
 * How a finished process ended.
 *
 * @param exitCode its exit code
 * @param stdout everything it printed on stdout
 * @param stderr everything it printed on stderr
 */
public record CommandResult(int exitCode, String stdout, String stderr) {

    /** For assertion messages. */
    public String describe() {
        return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
}
