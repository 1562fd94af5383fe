package dev.nixpool.api.v1alpha1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The YAML files under examples/, one resource each. */
final class Examples {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Examples() {
    }

    static Path dir() {
        return CrdFiles.repoRoot().resolve("examples");
    }

    static List<Path> files() {
        try (Stream<Path> files = Files.list(dir())) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(String fileName) {
        return read(dir().resolve(fileName));
    }

    static JsonNode read(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read example " + file, e);
        }
    }
}
