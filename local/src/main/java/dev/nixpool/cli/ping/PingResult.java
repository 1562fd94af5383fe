package dev.nixpool.cli.ping;

/**
 * What {@code nixpool ping} concluded.
 *
 * @param exitCode one of the {@code EXIT_} codes of {@link PingDiagnosis}
 * @param message the text for the terminal (stdout on success, stderr otherwise)
 */
record PingResult(int exitCode, String message) {

    boolean ok() {
        return exitCode == PingDiagnosis.EXIT_OK;
    }
}
