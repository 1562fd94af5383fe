package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LineSplittingOutputStreamTest {

    private final List<String> lines = new ArrayList<>();
    private final LineSplittingOutputStream out = new LineSplittingOutputStream(lines::add);

    private void write(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
    }

    @Test
    void splitsAcrossWritesAndDropsCarriageReturns() {
        write("first li");
        write("ne\r\nsecond\n\nthi");
        assertThat(lines).containsExactly("first line", "second", "");
        out.close();
        assertThat(lines).containsExactly("first line", "second", "", "thi");
    }

    @Test
    void decodesUtf8() {
        write("building '/nix/store/…-hello.drv' ✓\n");
        assertThat(lines).containsExactly("building '/nix/store/…-hello.drv' ✓");
    }

    @Test
    void cutsOverlongLines() {
        write("a".repeat(LineSplittingOutputStream.MAX_LINE + 10) + "\n");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).hasSize(LineSplittingOutputStream.MAX_LINE);
        assertThat(lines.get(1)).isEqualTo("a".repeat(10));
    }
}
