package dev.nixpool.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Processes;

/**
 * {@code ./nixpool local} as a user runs it: the launcher script in a process of its own, driven with the real kubectl
 * through the kubeconfig it announces, then stopped with SIGTERM, after which nothing of it may be left.
 */
class LocalModeIT {

    /** Start-up includes a build of the operator when the tree is newer than the jar (not under mvn verify). */
    private static final Duration READY_LIMIT = Duration.ofMinutes(5);
    private static final Duration KUBECTL_LIMIT = Duration.ofSeconds(150);

    @TempDir
    Path scratch;

    @Test
    void runsTheHelloExampleForKubectlAndLeavesNothingAfterSigterm() throws Exception {
        Path repo = repoRoot();
        // the repository's .nixpool/, or /var/lib/nixpool/HASH for a clone where sshd would refuse that (below /tmp)
        Path stateDir = StateDirectory.choose(null, repo, StateDirectory.SYSTEM_BASE).dir();
        List<ProcessHandle> started = new ArrayList<>();
        Path workDir;
        int apiPort;
        int exitCode;
        try (LocalModeLauncher local = LocalModeLauncher.start(repo,
                repo.resolve("operator/target/local-mode-it/stderr.log"))) {
            Path kubeconfig = local.awaitKubeconfig(READY_LIMIT);
            workDir = kubeconfig.getParent();
            assertThat(workDir.getParent()).as("the run's directory is in the default state directory")
                    .isEqualTo(stateDir);
            assertThat(local.stderrText()).contains("nixpool local: state directory " + stateDir);
            apiPort = URI.create(Config.fromKubeconfig(Files.readString(kubeconfig)).getMasterUrl()).getPort();
            assertThat(local.stderrText()).contains("operator log  " + workDir.resolve("operator.log"));
            Kubectl kubectl = new Kubectl(kubeconfig, scratch.resolve("kubectl-cache"));

            assertThat(kubectl.ok("get", "buildmachines")).as("the example pools").contains("default", "kvm",
                    "big-parallel");

            Process watch = kubectl.background(scratch.resolve("watch.out"), "get", "nb", "-w");
            try {
                Path example = repo.resolve("examples/nixbuild-hello-expression.yaml");
                assertThat(kubectl.ok("apply", "-f", example.toString()))
                        .contains("nixbuild.nixpool.dev/hello created");
                assertThat(kubectl.ok("wait", "--for=condition=Succeeded", "nixbuild/hello", "--timeout=120s"))
                        .contains("nixbuild.nixpool.dev/hello condition met");
                started.addAll(local.process().descendants().toList());

                String outPath = kubectl.ok("get", "nixbuild", "hello", "-o", "jsonpath={.status.outputs[0].path}");
                assertThat(outPath).isEqualTo(expectedOutPath(example));
                // a plain build lands on the plain pool: big-parallel's feature is mandatory in the examples
                assertThat(kubectl.ok("get", "nixbuilds").lines().toList()).as("kubectl get nixbuilds")
                        .anySatisfy(row -> assertThat(row)
                                .matches("hello\\s+Succeeded\\s+default\\s+" + outPath + "\\s+\\d+s"))
                        .first().satisfies(header -> assertThat(header.split("\\s+"))
                                .containsExactly("NAME", "PHASE", "MACHINE", "OUTPUT", "AGE"));
                assertThat(kubectl.ok("get", "nixbuild", "hello", "-o", "jsonpath={.status.logTail}"))
                        .as("the log tail").contains("[nixpool] building").doesNotContain("--add-root");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(kubectl.ok("get", "bm"))
                        .as("kubectl get bm").containsPattern("kvm\\s+x86_64-linux\\s+kvm,nixos-test\\s"));
                assertThat(kubectl.ok("describe", "nixbuild", "hello")).as("kubectl describe shows the events")
                        .containsPattern("Events:\\s+Type\\s+Reason")
                        .containsPattern("Normal\\s+Scheduled\\s+.*nixpool-operator")
                        .containsPattern("Normal\\s+Built\\s+.*" + outPath);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                        Files.readString(scratch.resolve("watch.out"), StandardCharsets.UTF_8))
                        .as("kubectl get nb -w").containsPattern("hello\\s+Succeeded\\s+default\\s+" + outPath));
            } finally {
                watch.destroy();
            }

            assertThat(kubectl.ok("delete", "nixbuild", "hello", "--timeout=60s"))
                    .contains("nixbuild.nixpool.dev \"hello\" deleted");
            assertThat(kubectl.run("get", "nixbuilds").stderr()).contains("No resources found");
            started.addAll(local.process().descendants().toList());
            assertThat(started).as("the operator runs as a child of local mode").isNotEmpty();

            exitCode = local.terminate(Duration.ofSeconds(90));
            assertThat(local.stdoutLines()).as("stdout is the one export line")
                    .containsExactly(LocalModeLauncher.EXPORT + kubeconfig);
            assertThat(local.stderrText()).contains("nixpool local: stopped");
        }
        assertThat(exitCode).as("the JVM's exit code after SIGTERM").isEqualTo(143);
        assertThat(started).as("processes local mode had started").noneMatch(ProcessHandle::isAlive);
        assertThat(processesMentioning(workDir.toString())).as("processes of the run's directory").isEmpty();
        assertThat(mountsMentioning(workDir.toString())).as("mounts of the run's directory").isEmpty();
        assertThat(workDir).doesNotExist();
        assertThat(stateDir).as("the empty state directory goes too").doesNotExist();
        assertThat(isListening(apiPort)).as("the API server's port " + apiPort).isFalse();
    }

    /** The output path Nix computes for the example's expression, in a throw-away store (the host's is untouched). */
    private static String expectedOutPath(Path example) throws Exception {
        NixBuild build = Serialization.unmarshal(Files.readString(example), NixBuild.class);
        try (LocalNixStore nix = LocalNixStore.create("local-mode-reference")) {
            String drv = nix.instantiate("hello", build.getSpec().getExpression()).toString();
            return nix.runOk("nix-store", "--query", "--outputs", drv);
        }
    }

    private static List<String> processesMentioning(String text) {
        ProcessResult r = Processes.run(List.of("pgrep", "-a", "-f", text), Duration.ofSeconds(10));
        return r.stdoutText().lines().filter(line -> !line.contains("pgrep")).toList();
    }

    /** Every process's mount table: a builder's private mount namespace would only show in its own. */
    private static List<String> mountsMentioning(String text) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    Files.readAllLines(proc.resolve("mountinfo")).stream().filter(line -> line.contains(text))
                            .forEach(line -> found.add(proc.getFileName() + ": " + line));
                } catch (IOException e) {
                    // the process ended while we looked
                }
            }
        }
        return found;
    }

    private static boolean isListening(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    private static Path repoRoot() {
        String root = System.getProperty("nixpool.repo.root");
        assertThat(root).as("system property nixpool.repo.root (set by the build)").isNotBlank();
        return Path.of(root).toAbsolutePath().normalize();
    }

    /** The real kubectl with {@code KUBECONFIG} set, as in the shell of a local-mode user. */
    private record Kubectl(Path kubeconfig, Path cacheDir) {

        ProcessResult run(String... args) {
            List<String> command = new ArrayList<>(List.of("kubectl", "--cache-dir", cacheDir.toString()));
            command.addAll(List.of(args));
            return Processes.run(command, null, Map.of("KUBECONFIG", kubeconfig.toString()), KUBECTL_LIMIT);
        }

        String ok(String... args) {
            ProcessResult r = run(args);
            assertThat(r.exitCode()).as("kubectl " + String.join(" ", args) + ": " + Processes.describe(r))
                    .isZero();
            return r.stdoutText().strip();
        }

        Process background(Path output, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("kubectl", "--cache-dir", cacheDir.toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("KUBECONFIG", kubeconfig.toString());
            return builder.start();
        }
    }
}
