package dev.nixpool.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class LogTailTest {

    @Test
    void keepsTheLastLinesWithoutColours() {
        String log = "one\ntwo\n\u001B[31;1merror:\u001B[0m builder for '/nix/store/x.drv' failed\nfour\n";
        assertThat(LogTail.of(log, 2, 1000)).isEqualTo("error: builder for '/nix/store/x.drv' failed\nfour");
        assertThat(LogTail.of(log, 10, 1000))
                .isEqualTo("one\ntwo\nerror: builder for '/nix/store/x.drv' failed\nfour");
    }

    @Test
    void byteBudgetDropsWholeLinesFromTheStart() {
        String log = "aaaa\nbbbb\ncccc";
        assertThat(LogTail.of(log, 10, 9)).isEqualTo("bbbb\ncccc");
        assertThat(LogTail.of(log, 10, 8)).isEqualTo("cccc");
    }

    @Test
    void aSingleOverlongLineKeepsItsEndAndNeverSplitsACharacter() {
        String line = "x".repeat(100) + "ääää";
        String tail = LogTail.of(line, 5, 7);
        assertThat(tail).isEqualTo("äää");
        assertThat(tail.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(7);
    }

    @Test
    void emptyAndCrLfLogs() {
        assertThat(LogTail.of("", 5, 100)).isEmpty();
        assertThat(LogTail.of("a\r\nb\r\n", 5, 100)).isEqualTo("a\nb");
        assertThat(LogTail.of("a\nb", 0, 100)).isEmpty();
    }

    @Test
    void stripsCursorAndTwoCharacterEscapes() {
        assertThat(LogTail.stripAnsi("\u001B[2K\u001B[1Gdone\u001B7 ok\u001B[0m")).isEqualTo("done ok");
    }
}
