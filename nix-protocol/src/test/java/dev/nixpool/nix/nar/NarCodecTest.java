package dev.nixpool.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.testing.Fuzz;
import dev.nixpool.nix.wire.WireTruncatedException;

class NarCodecTest {

    private Path dir;

    @BeforeEach
    void tempDir() throws IOException {
        dir = Files.createTempDirectory("nar-test-");
    }

    @AfterEach
    void removeTempDir() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private byte[] dump(Path p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(p, out);
        return out.toByteArray();
    }

    @Test
    void singleFileIs120Bytes() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "hello\n");
        byte[] nar = dump(f);
        assertThat(nar).hasSize(120);
        assertThat(nar).isEqualTo(NarTestData.nar().file("hello\n").bytes());
    }

    @Test
    void treeRoundTripsThroughParserAndRestorer() throws Exception {
        Path tree = NarAgainstNixIT.sampleTree(dir.resolve("tree"));
        byte[] nar = dump(tree);
        List<String> seen = new ArrayList<>();
        NarParser.parse(new ByteArrayInputStream(nar), new NarVisitor() {
            @Override
            public void regularFile(String path, boolean executable, long size, InputStream c) {
                seen.add((executable ? "x " : "f ") + path + " " + size);
            }

            @Override
            public void symlink(String path, String target) {
                seen.add("l " + path + " -> " + target);
            }

            @Override
            public void directoryStart(String path) {
                seen.add("d " + path);
            }
        });
        assertThat(seen).containsExactly("d ", "f B 23", "f a 6", "f a-b 0", "f a.b 7", "d empty-dir",
                "l link -> sub/run.sh", "d sub", "l sub/dangling -> /nonexistent/target", "d sub/deeper",
                "f sub/deeper/blob 100003", "x sub/run.sh 18", "f \u00e9t\u00e9 15");
        NarDigest restored = NarRestorer.restore(new ByteArrayInputStream(nar), dir.resolve("copy"));
        assertThat(restored).isEqualTo(new NarDigest(NixHash.sha256Of(nar), nar.length));
        assertThat(dump(dir.resolve("copy"))).isEqualTo(nar);
    }

    @Test
    void copierStopsAtTheEndOfTheNar() throws Exception {
        byte[] nar = dump(NarAgainstNixIT.sampleTree(dir.resolve("tree")));
        byte[] stream = new byte[nar.length + 3];
        System.arraycopy(nar, 0, stream, 0, nar.length);
        stream[nar.length] = 9;
        ByteArrayInputStream in = new ByteArrayInputStream(stream);
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        NarDigest d = NarCopier.copy(in, copy);
        assertThat(copy.toByteArray()).isEqualTo(nar);
        assertThat(d.narSize()).isEqualTo(nar.length);
        assertThat(in.read()).isEqualTo(9);
    }

    @Test
    void structuralErrorsAreSpecific() throws Exception {
        assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "directory").entry("b").file("")
                .t(")").entry("a").file("").t(")", ")").bytes())).isInstanceOf(NarFormatException.class)
                .hasMessageContaining("sorted bytewise").hasMessageContaining("got 'a' after 'b'");
        assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "directory").entry("a").file("")
                .t(")").entry("a").file("").t(")", ")").bytes())).hasMessageContaining("unique");
        for (String bad : List.of("..", ".", "a/b", "", "a\0b")) {
            assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "directory").entry(bad).file("")
                    .t(")", ")").bytes())).as(bad).isInstanceOf(NarFormatException.class)
                    .hasMessageContaining("file name");
        }
        assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "fifo", ")").bytes()))
                .hasMessageContaining("got 'fifo'");
        assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "regular", "executable", "x").bytes()))
                .hasMessageContaining("empty executable marker");
        assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "symlink", "target", "").bytes()))
                .hasMessageContaining("non-empty symlink target");
        assertThatThrownBy(() -> parse(new NarTestData().t("nix-archive-2").bytes())).hasMessageContaining("magic");
    }

    @Test
    void limitsBoundNamesTargetsAndDepth() throws Exception {
        assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "directory").entry("x".repeat(256))
                .file("").t(")", ")").bytes())).isInstanceOf(NarFormatException.class)
                .hasMessageContaining("at most 255 bytes");
        assertThatThrownBy(() -> parse(NarTestData.nar().t("(", "type", "symlink", "target", "t".repeat(5000), ")")
                .bytes())).hasMessageContaining("at most 4095 bytes");
        NarTestData deep = NarTestData.nar();
        for (int i = 0; i < 300; i++) {
            deep.t("(", "type", "directory").entry("d");
        }
        assertThatThrownBy(() -> parse(deep.bytes())).hasMessageContaining("at most 256 nested directories");
        byte[] small = NarTestData.nar().file("12345").bytes();
        assertThatThrownBy(() -> NarParser.parse(new ByteArrayInputStream(small), NarVisitor.IGNORE,
                new NarLimits(255, 4095, 10, 4))).hasMessageContaining("file size of at most 4");
    }

    @Test
    void truncatedAndMutatedNarsGiveTypedErrors() throws Exception {
        byte[] valid = NarTestData.nar().t("(", "type", "directory").entry("a").file("abc").t(")").entry("b")
                .t("(", "type", "regular", "executable", "", "contents", "#!x", ")", ")").entry("c")
                .t("(", "type", "symlink", "target", "a", ")", ")", ")").bytes();
        assertThat(NarCopier.digest(new ByteArrayInputStream(valid)).narSize()).isEqualTo(valid.length);
        Fuzz.assertTruncationsFail(valid, this::parse, WireTruncatedException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 99, 5000), this::parse);
    }

    private void parse(byte[] nar) throws IOException {
        NarParser.parse(new ByteArrayInputStream(nar), NarVisitor.IGNORE);
    }
}
