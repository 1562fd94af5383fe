package dev.nixpool.api.v1alpha1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.crdv2.generator.CRDGenerator;

/**
 * Where the committed CRDs live and how they are made: the Java classes in this package are their only source, so tests
 * regenerate them with Fabric8's generator and compare.
 */
final class CrdFiles {

    static final String BUILD_MACHINES = "buildmachines.nixpool.dev-v1.yml";
    static final String NIX_BUILDS = "nixbuilds.nixpool.dev-v1.yml";
    static final List<String> NAMES = List.of(BUILD_MACHINES, NIX_BUILDS);

    /** The command a developer runs to rewrite crds/ after changing the API classes. */
    static final String UPDATE_COMMAND = "mvn -B -pl operator test -Dtest=CrdStalenessTest -Dnixpool.crds.update=true";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private CrdFiles() {
    }

    static Path repoRoot() {
        String root = System.getProperty("nixpool.repo.root");
        if (root == null || root.isBlank()) {
            throw new IllegalStateException(
                    "system property nixpool.repo.root is not set; run the tests through Maven (the poms pass it to surefire and failsafe)");
        }
        return Path.of(root).toAbsolutePath().normalize();
    }

    static Path committedDir() {
        return repoRoot().resolve("crds");
    }

    /** Writes one file per CRD (named as in {@link #NAMES}) into {@code dir}. */
    static void generateInto(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        new CRDGenerator()
                .customResourceClasses(BuildMachine.class, NixBuild.class)
                .forCRDVersions("v1")
                .withPostProcessor(new PrinterColumnOrder())
                .inOutputDir(dir.toFile())
                .generate();
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static JsonNode committed(String name) {
        return readYaml(committedDir().resolve(name));
    }

    /** The v1alpha1 openAPIV3Schema of a committed CRD. */
    static JsonNode schema(String name) {
        return committed(name).path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
    }

    static Map<String, String> kindToFile() {
        return Map.of("BuildMachine", BUILD_MACHINES, "NixBuild", NIX_BUILDS);
    }
}
