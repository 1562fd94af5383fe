package dev.nixpool.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

/** A directory of the repository rendered by the real {@code kubectl kustomize}, as {@code kubectl apply -k} would. */
final class Kustomize {

    private Kustomize() {
    }

    static List<JsonNode> render(String dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("nixpool-kustomize", ".yaml");
        Path err = Files.createTempFile("nixpool-kustomize", ".err");
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir).directory(Manifests.repoRoot().toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("kubectl kustomize " + dir + " did not finish within 60 s");
            }
            assertThat(p.exitValue())
                    .as("kubectl kustomize " + dir + ": " + Files.readString(err, StandardCharsets.UTF_8))
                    .isZero();
            return Manifests.parse(Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
