package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Processes;

/**
 * The runtime half of the bad-input corpus (local/src/test/resources/corpus/runtime, its README says how a file states
 * its outcome): every file applied with the real kubectl into a namespace of its own on one local cluster, all at once,
 * then each build checked for the phase, condition reason and message and the Events its file expects.
 */
class RuntimeCorpusIT {

    static final Path CORPUS = ScenarioFixture.repoRoot().resolve("local/src/test/resources/corpus/runtime");
    /** A FIFO no one writes: reading it blocks for ever without using the CPU (the never-ending evaluations). */
    static final Path FIFO_DIR = Path.of("/tmp/nixpool-runtime-corpus");
    private static final Duration KUBECTL_LIMIT = Duration.ofSeconds(60);
    /** Past the 45 s default build time limit the cluster runs with, with room for a loaded machine. */
    private static final Duration WAIT = Duration.ofSeconds(150);

    @RegisterExtension
    static final LocalClusterExtension CLUSTER = new LocalClusterExtension("runtime-corpus", 231, 240,
            Map.of("nixpool.runner.default-build-timeout", "45s"));

    @TempDir
    static Path scratch;

    private static List<CorpusCase> cases;

    @BeforeAll
    static void applyTheCorpus() throws IOException {
        Files.createDirectories(FIFO_DIR);
        Files.setPosixFilePermissions(FIFO_DIR, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path fifo = FIFO_DIR.resolve("never.fifo");
        Files.deleteIfExists(fifo);
        run(List.of("mkfifo", "-m", "0666", fifo.toString()), Map.of());
        cases = CorpusCase.load(CORPUS);
        for (CorpusCase c : cases) {
            CLUSTER.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(c.namespace())
                    .withLabels(c.namespaceLabels()).endMetadata().build()).create();
            kubectl("-n", c.namespace(), "apply", "-f", c.file().toString());
        }
    }

    @AfterAll
    static void removeTheFifo() throws IOException {
        Files.deleteIfExists(FIFO_DIR.resolve("never.fifo"));
        Files.deleteIfExists(FIFO_DIR);
    }

    @TestFactory
    Stream<DynamicTest> everyCaseGetsTheOutcomeItsFileStates() {
        assertThat(cases).as("the corpus in " + CORPUS).hasSizeGreaterThanOrEqualTo(15);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> check(c))));
    }

    private static void check(CorpusCase c) {
        NixBuild build = ScenarioFixture.get(CLUSTER.client(), c.namespace(), "build");
        String described = ScenarioFixture.describe(build);
        assertThat(build).as(c.name() + ": the build exists").isNotNull();
        assertThat(build.getStatus()).as(c.name() + ": a status").isNotNull();
        assertThat(String.valueOf(build.getStatus().getPhase())).as(c.name() + ": phase of " + described)
                .isEqualTo(c.phase());
        Condition condition = build.getStatus().getConditions().stream()
                .filter(k -> c.condition().equals(k.getType())).findFirst().orElse(null);
        assertThat(condition).as(c.name() + ": condition " + c.condition() + " of " + described).isNotNull();
        assertThat(condition.getReason()).as(c.name() + ": reason of " + described).isEqualTo(c.reason());
        for (String text : c.messages()) {
            assertThat(condition.getMessage()).as(c.name() + ": message of " + c.condition()).contains(text);
        }
        assertThat(condition.getMessage().length()).as(c.name() + ": a bounded message").isLessThanOrEqualTo(8192);
        List<Event> events = CLUSTER.client().v1().events().inNamespace(c.namespace()).list().getItems();
        for (Map.Entry<String, String> expected : c.buildEvents()) {
            assertThat(events).as(c.name() + ": Event " + expected + " on the build among " + summary(events))
                    .anySatisfy(e -> {
                        assertThat(e.getInvolvedObject().getKind()).isEqualTo("NixBuild");
                        assertThat(e.getReason()).isEqualTo(expected.getKey());
                        assertThat(e.getMessage()).contains(expected.getValue());
                    });
        }
        for (Map.Entry<String, String> expected : c.podEvents()) {
            assertThat(events).as(c.name() + ": Event " + expected + " on a pod among " + summary(events))
                    .anySatisfy(e -> {
                        assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
                        assertThat(e.getReason()).isEqualTo(expected.getKey());
                        assertThat(e.getMessage()).contains(expected.getValue());
                    });
        }
    }

    private static List<String> summary(List<Event> events) {
        return events.stream().map(e -> e.getInvolvedObject().getKind() + "/" + e.getReason() + ": "
                + e.getMessage().substring(0, Math.min(200, e.getMessage().length()))).toList();
    }

    /** The real kubectl against the local cluster; stdout of a successful run. */
    private static String kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--cache-dir",
                scratch.resolve("kubectl-cache").toString()));
        command.addAll(List.of(args));
        return run(command, Map.of("KUBECONFIG", CLUSTER.cluster().kubeconfig().toString()));
    }

    private static String run(List<String> command, Map<String, String> env) {
        ProcessResult result = Processes.run(command, null, env, KUBECTL_LIMIT);
        assertThat(result.exitCode()).as(String.join(" ", command) + ": " + Processes.describe(result)).isZero();
        return result.stdoutText().strip();
    }

    /** One corpus file and the outcome its leading comments state. */
    record CorpusCase(String name, Path file, Map<String, String> namespaceLabels, String phase, String condition,
            String reason, List<String> messages, List<Map.Entry<String, String>> buildEvents,
            List<Map.Entry<String, String>> podEvents) {

        String namespace() {
            return "rc-" + name;
        }

        static List<CorpusCase> load(Path dir) throws IOException {
            try (Stream<Path> files = Files.list(dir)) {
                return files.filter(f -> f.toString().endsWith(".yaml")).sorted().map(CorpusCase::read).toList();
            }
        }

        static CorpusCase read(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            Map<String, String> single = new LinkedHashMap<>();
            List<String> messages = new ArrayList<>();
            List<Map.Entry<String, String>> buildEvents = new ArrayList<>();
            List<Map.Entry<String, String>> podEvents = new ArrayList<>();
            for (String line : lines) {
                if (!line.startsWith("#")) {
                    break;
                }
                String text = line.substring(1).strip();
                int colon = text.indexOf(": ");
                if (colon < 0) {
                    continue;
                }
                String key = text.substring(0, colon);
                String value = text.substring(colon + 2).strip();
                switch (key) {
                    case "namespace-labels" -> labels.put(value.substring(0, value.indexOf('=')),
                            value.substring(value.indexOf('=') + 1));
                    case "expect-phase", "expect-condition", "expect-reason" -> single.put(key, value);
                    case "expect-message" -> messages.add(value);
                    case "expect-event" -> buildEvents.add(reasonAndText(value));
                    case "expect-pod-event" -> podEvents.add(reasonAndText(value));
                    default -> {
                        // prose that happens to hold ": "
                    }
                }
            }
            String name = file.getFileName().toString().replaceFirst("\\.yaml$", "");
            if (!single.containsKey("expect-phase") || !single.containsKey("expect-reason")) {
                throw new IllegalArgumentException(file + " states no expect-phase or expect-reason");
            }
            return new CorpusCase(name, file, labels, single.get("expect-phase"),
                    single.getOrDefault("expect-condition", "Succeeded"), single.get("expect-reason"), messages,
                    buildEvents, podEvents);
        }

        private static Map.Entry<String, String> reasonAndText(String value) {
            int colon = value.indexOf(": ");
            return Map.entry(value.substring(0, colon), value.substring(colon + 2));
        }
    }
}
