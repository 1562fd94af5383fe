package dev.nixpool.remote.ssh;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the expression evaluator ({@link NixCommands#expression()}) prints on stdout: the .drv path nix-instantiate
 * printed, on one line, then the .drv's own text when it is one small file. A .drv is ATerm on a single line (Nix
 * escapes newlines inside its strings), so whatever follows the first line is the file. Carrying it here saves the
 * build a serve round trip ({@code DumpStorePath}) between the evaluation and its build command.
 *
 * @param printed what nix-instantiate printed, to be checked as before (one .drv path, or the unexpected output)
 * @param drvText the .drv's text, or null: not printed (several lines, no such file on the builder) or cut off at
 *     {@link #DRV_TEXT_LIMIT}; the .drv is then read over the serve channel
 */
record EvaluatorOutput(String printed, byte[] drvText) {

    /**
     * The largest .drv printed with its path: with the path line it stays under the evaluator's output bound
     * ({@link RemoteCommands#MAX_OUTPUT}). The command prints one byte more of a larger file, which says it was cut.
     */
    static final int DRV_TEXT_LIMIT = 60 * 1024;

    private static final byte[] ATERM_START = "Derive(".getBytes(StandardCharsets.US_ASCII);

    static EvaluatorOutput parse(byte[] stdout) {
        int newline = indexOf(stdout, (byte) '\n');
        if (newline < 0) {
            return new EvaluatorOutput(text(stdout, 0, stdout.length), null);
        }
        byte[] rest = Arrays.copyOfRange(stdout, newline + 1, stdout.length);
        if (rest.length == 0 || rest[rest.length - 1] == '\n') {
            // nix-instantiate's own lines only (each ends with a newline; a .drv's text never does): checked as printed
            return new EvaluatorOutput(text(stdout, 0, stdout.length), null);
        }
        boolean drv = startsWith(rest, ATERM_START) && rest.length <= DRV_TEXT_LIMIT;
        return new EvaluatorOutput(text(stdout, 0, newline), drv ? rest : null);
    }

    private static String text(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8).strip();
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
