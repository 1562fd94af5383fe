package dev.nixpool.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged operator (what images/operator runs) logs plain text lines by default and one JSON object per line
 * with QUARKUS_LOG_CONSOLE_JSON_ENABLED=true, the variable the Helm chart's logs.json sets. It runs until it has
 * registered its reconcilers, against an API server address where nothing listens (loopback port 1): start-up logging
 * needs no cluster.
 */
class ConsoleLogFormatIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path APP = Path.of(System.getProperty("nixpool.repo.root"), "operator", "target",
            "quarkus-app", "quarkus-run.jar");
    private static final String MILESTONE = "Registered reconciler";

    @Test
    void jsonLinesWhenEnabled(@TempDir Path logs) throws Exception {
        List<String> lines = startUntilReconcilersRegistered(Map.of("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"), logs);
        assertThat(lines).as("every console line is a JSON object").allSatisfy(line -> {
            JsonNode record = JSON.readTree(line);
            assertThat(record.isObject()).isTrue();
            assertThat(record.path("timestamp").asText()).isNotEmpty();
            assertThat(record.path("level").asText()).isIn("INFO", "WARN", "WARNING", "ERROR", "DEBUG");
            assertThat(record.path("loggerName").asText()).isNotEmpty();
            assertThat(record.has("message")).isTrue();
        });
        assertThat(lines).anySatisfy(line -> assertThat(JSON.readTree(line).path("message").asText())
                .startsWith(MILESTONE));
    }

    @Test
    void plainTextByDefault(@TempDir Path logs) throws Exception {
        List<String> lines = startUntilReconcilersRegistered(Map.of(), logs);
        assertThat(lines).noneMatch(line -> line.startsWith("{"));
        assertThat(lines).filteredOn(line -> line.contains(MILESTONE)).isNotEmpty()
                .allMatch(line -> line.matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3} INFO .*"));
    }

    /** The console lines up to and including the first that says a reconciler is registered. */
    private static List<String> startUntilReconcilersRegistered(Map<String, String> env, Path logs)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                // a free port: other tests and local mode may hold 8080
                "-Dquarkus.http.port=0",
                "-Dkubernetes.master=https://127.0.0.1:1", "-Dkubernetes.auth.tryKubeConfig=false",
                "-Dkubernetes.auth.tryServiceAccount=false", "-Dnixpool.logs.dir=" + logs,
                "-jar", APP.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("QUARKUS_LOG_CONSOLE_JSON_ENABLED");
        pb.environment().putAll(env);
        Process process = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "operator-stdout");
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> lines.stream().anyMatch(l -> l.contains(MILESTONE)) || !process.isAlive());
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
        int milestone = -1;
        for (int i = 0; i < lines.size() && milestone < 0; i++) {
            if (lines.get(i).contains(MILESTONE)) {
                milestone = i;
            }
        }
        assertThat(milestone).as("the operator logged '%s'; its output: %s", MILESTONE, lines).isNotNegative();
        return lines.subList(0, milestone + 1).stream().filter(l -> !l.isBlank()).toList();
    }
}
