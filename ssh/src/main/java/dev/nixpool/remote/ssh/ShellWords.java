package dev.nixpool.remote.ssh;

/**
 * Quoting for the remote user's shell: sshd hands an exec request's command to {@code $SHELL -c}, so every value put
 * on a remote command line goes through this.
 */
final class ShellWords {

    private ShellWords() {
    }

    /**
     * POSIX single quotes: the shell passes the text as one word, whatever it holds. Inside single quotes nothing is
     * special but the closing quote, so a quote in the text ends the quoted part, adds an escaped quote and reopens.
     */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
