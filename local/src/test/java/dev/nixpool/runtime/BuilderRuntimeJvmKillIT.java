package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.runtime.BuilderPodFixture.BuilderKeys;

/**
 * A JVM killed with SIGKILL runs no shutdown hook: the builder processes must die with it anyway (parent-death signal
 * plus PID namespace), and the next runtime on the same work dir removes what was left on disk and reports the orphaned
 * pod Failed. Fabric8 mock API server in CRUD mode, real entrypoint, real sshd.
 */
class BuilderRuntimeJvmKillIT {

    private static final String NAMESPACE = "builds";

    @Test
    void buildersDieWithAKilledRuntimeJvmAndTheNextRuntimeCleansUp() throws Exception {
        Path workDir = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()),
                "builder-runtime-kill-it-");
        Path runtimeDir = workDir.resolve("runtime");
        Path entrypoint = Path.of(System.getProperty("nixpool.repo.root", ".."), "images", "builder", "entrypoint.sh");
        Process jvm = null;
        try (CrudMockServer server = new CrudMockServer()) {
            KubernetesClient client = server.client();
            jvm = startRuntimeJvm(server.url(), runtimeDir, entrypoint, workDir.resolve("runtime-jvm.log"));
            BuilderKeys keys = BuilderKeys.generate();
            client.secrets().resource(keys.toSecret(NAMESPACE, "orphan-ssh")).create();
            client.pods().resource(BuilderPodFixture.builderPod(NAMESPACE, "orphan", "orphan-ssh",
                    BuilderPodFixture.offlineBuilderEnv())).create();
            await().atMost(Duration.ofSeconds(60)).until(() -> isReady(client.pods().inNamespace(NAMESPACE)
                    .withName("orphan").get()));
            long jvmPid = jvm.pid();
            // the runtime JVM's own command line names the work dir too; unshare (store path) and sshd (state dir)
            // always do, and a connection sshd has just forked (the readiness check's) may also be there for a moment
            List<Long> builderPids = pgrep(runtimeDir).stream().filter(pid -> pid != jvmPid).toList();
            assertThat(builderPids).as("unshare and sshd name the work dir").hasSizeGreaterThanOrEqualTo(2);

            jvm.destroyForcibly().waitFor();

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(builderPids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)
                        .filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty());
                assertThat(pgrep(runtimeDir)).isEmpty();
            });
            assertThat(podDirectories(runtimeDir)).as("a killed JVM cannot clean its disk").hasSize(1);

            try (BuilderRuntime next = new BuilderRuntime(client,
                    BuilderRuntimeConfig.of(entrypoint, runtimeDir).withAddresses(221, 230))) {
                next.start();
                assertThat(podDirectories(runtimeDir)).isEmpty();
                Pod orphan = await().atMost(Duration.ofSeconds(30)).until(
                        () -> client.pods().inNamespace(NAMESPACE).withName("orphan").get(),
                        pod -> "Failed".equals(pod.getStatus().getPhase()));
                assertThat(orphan.getStatus().getReason()).isEqualTo("ContainerLost");
                assertThat(next.liveBuilders()).isEmpty();
            }
        } finally {
            if (jvm != null) {
                jvm.destroyForcibly().waitFor();
            }
            PodDirectories.deleteTree(workDir);
        }
    }

    private static Process startRuntimeJvm(String url, Path workDir, Path entrypoint, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                BuilderRuntimeMain.class.getName(), url, workDir.toString(), entrypoint.toString(), "221", "230")
                .redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("runtime JVM output; its log: %s", log).isEqualTo(BuilderRuntimeMain.STARTED);
        return jvm;
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    private static List<Long> pgrep(Path dir) throws Exception {
        Process pgrep = new ProcessBuilder("pgrep", "-f", dir.toString()).redirectErrorStream(true).start();
        String out = new String(pgrep.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        pgrep.waitFor();
        return out.isEmpty() ? List.of() : out.lines().map(Long::parseLong).toList();
    }

    private static List<Path> podDirectories(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).toList();
        }
    }
}
