package dev.nixpool.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Processes;

/**
 * The admission half of the bad-input corpus (issue 13): every manifest under corpus/admission is applied with the
 * real kubectl to local mode's API server and must be refused with each message its {@code # expect:} lines give, as
 * kubectl prints it, leaving nothing created. A file of two documents creates the first and must have the second, an
 * edit, refused with the stored object unchanged.
 */
@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class AdmissionCorpusIT {

    private static final Path CORPUS = KubectlFixture.repoRoot()
            .resolve("local/src/test/resources/corpus/admission");
    private static final String EXPECT = "# expect: ";

    private static KubectlFixture k;

    @BeforeAll
    static void start() throws IOException {
        k = new KubectlFixture();
    }

    @AfterAll
    static void stop() {
        if (k != null) {
            k.close();
        }
    }

    record Case(String file, List<String> expected, List<String> documents) {
        boolean isEdit() {
            return documents.size() == 2;
        }

        String kind() {
            return field(documents.get(documents.size() - 1), "kind: ");
        }

        String name() {
            return field(documents.get(documents.size() - 1), "  name: ");
        }

        private static String field(String document, String prefix) {
            return document.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow()
                    .substring(prefix.length()).strip();
        }
    }

    private static List<Case> corpus() throws IOException {
        try (Stream<Path> files = Files.list(CORPUS)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().map(AdmissionCorpusIT::read).toList();
        }
    }

    private static Case read(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            List<String> expected = text.lines().filter(l -> l.startsWith(EXPECT))
                    .map(l -> l.substring(EXPECT.length())).toList();
            List<String> documents = List.of(text.split("(?m)^---\\s*$"));
            return new Case(file.getFileName().toString(), expected, documents);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Order(1)
    void theCorpusIsLargeAndEveryCaseSaysWhatItExpects() throws IOException {
        List<Case> cases = corpus();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(25);
        assertThat(cases).allSatisfy(c -> {
            assertThat(c.expected()).as(c.file()).isNotEmpty();
            assertThat(c.documents()).as(c.file()).hasSizeBetween(1, 2);
            assertThat(c.kind()).as(c.file()).isIn("BuildMachine", "NixBuild");
        });
        assertThat(cases).extracting(Case::kind).contains("BuildMachine", "NixBuild");
    }

    @TestFactory
    @Order(2)
    Stream<DynamicTest> everyCaseIsRefusedAtAdmissionWithItsMessage() throws IOException {
        return corpus().stream().map(c -> DynamicTest.dynamicTest(c.file(), () -> refused(c)));
    }

    private void refused(Case c) throws IOException {
        String before = null;
        if (c.isEdit()) {
            k.ok("apply", "-f", write(c, 0).toString());
            before = k.ok("get", c.kind(), c.name(), "-o", "jsonpath={.spec}");
        }
        ProcessResult apply = k.kubectl("apply", "-f", write(c, c.documents().size() - 1).toString());
        String output = apply.stdoutText() + apply.stderr();
        assertThat(apply.exitCode()).as("kubectl apply of %s: %s", c.file(), output).isNotZero();
        for (String expected : c.expected()) {
            assertThat(output).as(c.file()).contains(expected);
        }
        if (c.isEdit()) {
            assertThat(k.ok("get", c.kind(), c.name(), "-o", "jsonpath={.spec}")).as("%s unchanged", c.file())
                    .isEqualTo(before);
        } else {
            ProcessResult get = k.kubectl("get", c.kind(), c.name());
            assertThat(get.exitCode()).as("%s was not created: %s", c.file(), Processes.describe(get)).isNotZero();
            assertThat(get.stderr()).contains("NotFound");
        }
    }

    private static Path write(Case c, int document) throws IOException {
        Path file = k.dir().resolve(c.file().replace(".yaml", "-" + document + ".yaml"));
        Files.writeString(file, c.documents().get(document), StandardCharsets.UTF_8);
        return file;
    }

    @Test
    @Order(3)
    void nothingButTheEditedObjectsExists() throws IOException {
        List<String> edited = corpus().stream().filter(Case::isEdit)
                .map(c -> c.kind().toLowerCase() + ".nixpool.dev/" + c.name()).toList();
        assertThat(k.ok("get", "buildmachines,nixbuilds", "-o", "name").lines())
                .containsExactlyInAnyOrderElementsOf(edited);
    }
}
