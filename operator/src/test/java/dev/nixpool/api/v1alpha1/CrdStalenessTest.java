package dev.nixpool.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The committed crds/ must be exactly what the API classes generate. With {@code -Dnixpool.crds.update=true} the test
 * rewrites them instead of failing.
 */
class CrdStalenessTest {

    private Path generated;

    @BeforeEach
    void generate() throws IOException {
        generated = Files.createTempDirectory("nixpool-crds");
        CrdFiles.generateInto(generated);
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> files = Files.walk(generated)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void generatorWritesExactlyTheExpectedFiles() throws IOException {
        try (Stream<Path> files = Files.list(generated)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(CrdFiles.NAMES);
        }
    }

    @Test
    void crdsKustomizationListsEveryGeneratedFile() {
        // deploy/ includes crds/ as a kustomization, so a CRD missing here would silently not be installed
        List<String> resources = new ArrayList<>();
        CrdFiles.readYaml(CrdFiles.committedDir().resolve("kustomization.yaml")).path("resources")
                .forEach(r -> resources.add(r.asText()));
        assertThat(resources).containsExactlyInAnyOrderElementsOf(CrdFiles.NAMES);
    }

    @Test
    void committedCrdsMatchTheApiClasses() throws IOException {
        Path committed = CrdFiles.committedDir();
        if (Boolean.getBoolean("nixpool.crds.update")) {
            Files.createDirectories(committed);
            for (String name : CrdFiles.NAMES) {
                Files.copy(generated.resolve(name), committed.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        List<String> stale = new ArrayList<>();
        for (String name : CrdFiles.NAMES) {
            Path file = committed.resolve(name);
            if (!Files.exists(file) || !Files.readString(file).equals(Files.readString(generated.resolve(name)))) {
                stale.add(name);
            }
        }
        if (!stale.isEmpty()) {
            fail("crds/" + stale
                    + " differ from what the classes in dev.nixpool.api.v1alpha1 generate. Refresh them from the "
                    + "repository root with:\n  " + CrdFiles.UPDATE_COMMAND + "\nand commit the result.");
        }
    }
}
