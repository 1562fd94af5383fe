package dev.nixpool.local.apiserver;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.testing.Processes;

/**
 * An embedded API server with a kubeconfig for it, and the real kubectl run against it: in the foreground to
 * completion, or in the background with its output collected in a file.
 */
final class KubectlFixture implements AutoCloseable {

    static final ResourceDefinitionContext NIXBUILDS = new ResourceDefinitionContext.Builder()
            .withGroup("nixpool.dev").withVersion("v1alpha1").withPlural("nixbuilds").withKind("NixBuild")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext BUILDMACHINES = new ResourceDefinitionContext.Builder()
            .withGroup("nixpool.dev").withVersion("v1alpha1").withPlural("buildmachines").withKind("BuildMachine")
            .withNamespaced(true).build();

    private final Path dir;
    private final EmbeddedApiServer server;
    private final List<Process> background = new ArrayList<>();

    KubectlFixture() throws IOException {
        dir = Files.createTempDirectory("nixpool-kubectl-");
        EmbeddedApiServer started = null;
        try {
            started = EmbeddedApiServer.start(repoRoot().resolve("crds"), 0);
            started.writeKubeconfig(dir.resolve("kubeconfig"));
        } catch (IOException | RuntimeException e) {
            if (started != null) {
                started.close();
            }
            deleteTree(dir);
            throw e;
        }
        server = started;
    }

    static Path repoRoot() {
        String root = System.getProperty("nixpool.repo.root");
        if (root == null || root.isBlank()) {
            throw new IllegalStateException(
                    "system property nixpool.repo.root is not set; run the tests through Maven");
        }
        return Path.of(root).toAbsolutePath().normalize();
    }

    static Path example(String name) {
        return repoRoot().resolve("examples").resolve(name);
    }

    EmbeddedApiServer server() {
        return server;
    }

    KubernetesClient client() {
        return server.client();
    }

    Path dir() {
        return dir;
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", dir.resolve("kubeconfig").toString(),
                "--cache-dir", dir.resolve("cache").toString()));
        command.addAll(List.of(args));
        return command;
    }

    ProcessResult kubectl(String... args) {
        return Processes.run(command(args), Duration.ofSeconds(60));
    }

    /** Runs kubectl and returns its stdout, failing with both outputs when it exits non-zero. */
    String ok(String... args) {
        ProcessResult r = kubectl(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " failed: " + Processes.describe(r));
        }
        return r.stdoutText();
    }

    /** Starts kubectl in the background; its stdout and stderr go to the returned file. */
    Background start(String... args) throws IOException {
        Path out = Files.createTempFile(dir, "kubectl-", ".out");
        Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        background.add(p);
        return new Background(p, out);
    }

    record Background(Process process, Path output) {
        String text() {
            try {
                return Files.readString(output, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Creates a namespace with kubectl apply (kubectl create namespace sends protobuf, which the server refuses), so
     * kubectl's "namespace not found" check passes as on a real cluster.
     */
    void namespace(String name) throws IOException {
        Path manifest = dir.resolve("namespace-" + name + ".yaml");
        Files.writeString(manifest, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n",
                StandardCharsets.UTF_8);
        ok("apply", "-f", manifest.toString());
    }

    Resource<GenericKubernetesResource> nixBuild(String namespace, String name) {
        return client().genericKubernetesResources(NIXBUILDS).inNamespace(namespace).withName(name);
    }

    /** Writes status the way the operator's status updates end up: only the status subresource changes. */
    void patchStatus(String namespace, String name, String statusJson) {
        nixBuild(namespace, name).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":" + statusJson + "}");
    }

    void patchMachineStatus(String namespace, String name, String statusJson) {
        client().genericKubernetesResources(BUILDMACHINES).inNamespace(namespace).withName(name).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":" + statusJson + "}");
    }

    @Override
    public void close() {
        try {
            background.forEach(p -> Processes.killTree(p.toHandle()));
            server.close();
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
