package dev.nixpool.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.local.LocalClusterConfig;

/** Local mode that cannot start says why, prints nothing on stdout and leaves no directory behind. */
class LocalSessionTest {

    @Test
    void aRepositoryWithoutCrdsFailsWithTheReasonAndNoExportLine(@TempDir Path dir) throws Exception {
        Path repo = Files.createDirectory(dir.resolve("not-a-repository"));
        Path stateDir = dir.resolve("state");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = new LocalSession(new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(LocalClusterConfig.fromRepository(repo, stateDir), repo.resolve("examples"),
                        new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).as("stdout").isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("nixpool local: could not start: ")
                .contains("could not load the CRDs from " + repo.resolve("crds"));
        try (var left = Files.list(stateDir)) {
            assertThat(left).as("the run's directory is removed").isEmpty();
        }
    }
}
