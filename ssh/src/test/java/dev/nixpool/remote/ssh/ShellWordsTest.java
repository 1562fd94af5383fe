package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Quoting for the remote shell: the exact text, and a real POSIX shell reading it back as one word, unchanged. */
class ShellWordsTest {

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("plain", "path:/tmp/f#pkg", "'path:/tmp/f#pkg'"),
                Arguments.of("empty", "", "''"),
                Arguments.of("a space", "file:///a file:///b", "'file:///a file:///b'"),
                Arguments.of("a single quote", "a'b", "'a'\\''b'"),
                Arguments.of("only quotes", "''", "''\\'''\\'''"),
                Arguments.of("a quote then a command", "x'; rm -rf / #", "'x'\\''; rm -rf / #'"),
                Arguments.of("command substitution", "$(touch /tmp/pwned)", "'$(touch /tmp/pwned)'"),
                Arguments.of("backticks", "`id`", "'`id`'"),
                Arguments.of("variables", "$HOME ${PATH}", "'$HOME ${PATH}'"),
                Arguments.of("double quotes and backslash", "\"a\\\"b\\\\\"", "'\"a\\\"b\\\\\"'"),
                Arguments.of("globs and tilde", "* ? [a] ~root", "'* ? [a] ~root'"),
                Arguments.of("operators", "a;b&&c||d|e>f<g&", "'a;b&&c||d|e>f<g&'"),
                Arguments.of("a newline", "a\nb", "'a\nb'"),
                Arguments.of("a tab and a carriage return", "a\tb\rc", "'a\tb\rc'"),
                Arguments.of("history expansion", "!!", "'!!'"),
                Arguments.of("an option", "--option", "'--option'"),
                Arguments.of("unicode", "caché-ü", "'caché-ü'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void quotesAsOneSingleQuotedWord(String what, String value, String quoted) {
        assertThat(ShellWords.quote(value)).isEqualTo(quoted);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aPosixShellReadsItBackAsOneWordUnchanged(String what, String value, String quoted) throws Exception {
        assertThat(words(ShellWords.quote(value))).isEqualTo("1|" + value);
    }

    /** How many words /bin/sh makes of {@code text} on a command line, and the first one. */
    private static String words(String text) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder("/bin/sh", "-c", "set -- " + text + "; printf '%s|%s' \"$#\" \"$1\"")
                .redirectErrorStream(true)
                .start();
        sh.getOutputStream().close();
        byte[] out = sh.getInputStream().readAllBytes();
        assertThat(sh.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }
}
