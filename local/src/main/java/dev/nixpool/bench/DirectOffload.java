package dev.nixpool.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.builder.BuilderPodRenderer;
import dev.nixpool.builder.KeySecretRenderer;
import dev.nixpool.config.BuilderDefaults;

/**
 * The yardstick of the lifecycle benchmark: what a real Nix client takes to offload the same trivial build to a warm
 * builder on the same machine, {@code nix-build --max-jobs 0 --builders 'ssh://...'} over OpenSSH. The builder is a
 * builder pod like the operator's (same renderers, same key Secret) created directly, without any NixBuild or
 * operator, so the builder runtime runs it exactly as it runs the operator's: the real entrypoint, sshd on its own
 * loopback address, its own Nix store (the build provably happens there, not in the host's store). Each build is a
 * fresh derivation (its name carries the run and the index), so nothing is valid on either side beforehand.
 */
final class DirectOffload implements AutoCloseable {

    static final String NAMESPACE = "bench-direct";
    private static final String NAME = "direct";
    private static final String SYSTEM = "x86_64-linux";
    private static final String HOST_ALIAS = "nixpool-direct";
    private static final long READY_LIMIT_SECONDS = 60;
    private static final long BUILD_LIMIT_SECONDS = 60;

    private final KubernetesClient client;
    private final Path dir;
    private final String podName;
    private final double startMillis;

    private DirectOffload(KubernetesClient client, Path dir, String podName, double startMillis) {
        this.client = client;
        this.dir = dir;
        this.podName = podName;
        this.startMillis = startMillis;
    }

    /** Creates the builder pod, waits until it is Ready and writes the OpenSSH client's files into {@code dir}. */
    static DirectOffload start(KubernetesClient client, Path dir) throws IOException {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .create();
        BuildMachine pool = pool();
        String podName = Names.poolBuilderName(NAME, 0, "direct");
        // the pool exists only in this process: left owned by it, the API server's collector would delete both
        Secret keys = KeySecretRenderer.renderWithNewKeys(pool, podName, 0);
        keys.getMetadata().setOwnerReferences(List.of());
        client.resource(keys).create();
        BuilderDefaults defaults = new BuilderDefaults("nixpool/builder:0.1.0", "IfNotPresent", 2222,
                new ResourceRequirements(), Optional.empty(), Map.of());
        long created = System.nanoTime();
        Pod pod = BuilderPodRenderer.render(pool, podName, 0, Map.of(), defaults);
        pod.getMetadata().setOwnerReferences(List.of());
        client.resource(pod).create();
        Pod ready = client.pods().inNamespace(NAMESPACE).withName(podName)
                .waitUntilCondition(DirectOffload::isReady, READY_LIMIT_SECONDS, TimeUnit.SECONDS);
        double startMillis = (System.nanoTime() - created) / 1e6;
        writeClientFiles(dir, keys, ready.getStatus().getPodIP(), defaults.sshPort());
        return new DirectOffload(client, dir, podName, startMillis);
    }

    /** Milliseconds from the pod's create call to seeing it Ready. */
    double startMillis() {
        return startMillis;
    }

    /** One build, untimed: the builder's first login initialises its store; the timed builds find it warm. */
    void warmUp(String runId) throws IOException, InterruptedException {
        build(runId + "-warm", 0);
    }

    /**
     * One timed offload: the {@code nix-build} process's wall time, and the time from starting it to the build command
     * running on the builder ({@link BuilderStamp}), in milliseconds; the latter null if the log had no stamp.
     */
    record Sample(double millis, Double commandMillis) {
    }

    /** Each {@code nix-build}, in order. */
    List<Sample> measure(String runId, int builds) throws IOException, InterruptedException {
        List<Sample> samples = new ArrayList<>();
        for (int i = 1; i <= builds; i++) {
            samples.add(build(runId, i));
        }
        return samples;
    }

    private Sample build(String runId, int index) throws IOException, InterruptedException {
        Path log = dir.resolve("nix-build.log");
        ProcessBuilder command = new ProcessBuilder("nix-build", "--no-out-link", "--max-jobs", "0",
                "--builders", "ssh://" + HOST_ALIAS + " " + SYSTEM + " " + dir.resolve("client_key") + " 1 1",
                "--option", "substituters", "", "--option", "builders-use-substitutes", "false",
                "--option", "build-users-group", "",
                "-E", expression("nixpool-direct-" + runId + "-" + index, index))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        command.environment().put("NIX_SSHOPTS", "-F " + dir.resolve("ssh_config"));
        long startedEpoch = BuilderStamp.epochNanos();
        long started = System.nanoTime();
        Process process = command.start();
        if (!process.waitFor(BUILD_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("nix-build did not finish within " + BUILD_LIMIT_SECONDS + " s; its output: "
                    + Files.readString(log));
        }
        double millis = (System.nanoTime() - started) / 1e6;
        String output = Files.readString(log);
        if (process.exitValue() != 0) {
            throw new IOException("nix-build exited with " + process.exitValue() + ": " + output);
        }
        if (!output.contains("on 'ssh://" + HOST_ALIAS + "'")) {
            throw new IOException("nix-build did not offload to ssh://" + HOST_ALIAS + ": " + output);
        }
        OptionalLong stamp = BuilderStamp.find(output);
        return new Sample(millis, stamp.isPresent() ? (stamp.getAsLong() - startedEpoch) / 1e6 : null);
    }

    /**
     * One offload of any {@code expression} to this builder (the gateway benchmark's yardstick): nix-build's wall time
     * in milliseconds.
     */
    double offload(String expression, Duration limit) throws IOException, InterruptedException {
        return ClientNixBuild.wallMillis("ssh://" + HOST_ALIAS + " " + SYSTEM + " " + dir.resolve("client_key")
                + " 1 1", dir.resolve("ssh_config"), expression, "ssh://" + HOST_ALIAS, limit,
                dir.resolve("offload.log"));
    }

    /** The lifecycle benchmark's build, under another name. */
    static String expression(String derivationName, int index) {
        return "derivation { name = \"" + derivationName + "\"; system = \"" + SYSTEM + "\";"
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"" + BuilderStamp.script(index) + "\" ]; }";
    }

    /** Deleting the pod makes the runtime stop its processes and remove its store. */
    @Override
    public void close() {
        client.pods().inNamespace(NAMESPACE).withName(podName).delete();
        client.secrets().inNamespace(NAMESPACE).withName(Names.keySecretName(podName)).delete();
    }

    private static boolean isReady(Pod pod) {
        return pod != null && pod.getStatus() != null && pod.getStatus().getPodIP() != null
                && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The client key, the pinned host key and an ssh_config whose host alias carries address, port and user. */
    private static void writeClientFiles(Path dir, Secret keys, String address, int port) throws IOException {
        write(dir.resolve("client_key"), decode(keys, Names.KEY_CLIENT_PRIVATE));
        write(dir.resolve("known_hosts"), "[" + address + "]:" + port + " " + decode(keys, Names.KEY_HOST_PUBLIC));
        write(dir.resolve("ssh_config"), String.join("\n",
                "Host " + HOST_ALIAS,
                "  HostName " + address,
                "  Port " + port,
                "  User root",
                "  IdentityFile " + dir.resolve("client_key"),
                "  IdentitiesOnly yes",
                "  UserKnownHostsFile " + dir.resolve("known_hosts"),
                "  GlobalKnownHostsFile /dev/null",
                "  StrictHostKeyChecking yes",
                "  BatchMode yes",
                ""));
    }

    private static String decode(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }

    /** ssh refuses a private key that others may read. */
    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static BuildMachine pool() {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(new ArrayList<>(List.of(SYSTEM)));
        spec.setMaxBuilders(1);
        BuildMachine pool = new BuildMachine();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(NAME)
                .withUid(UUID.randomUUID().toString()).build());
        pool.setSpec(spec);
        return pool;
    }
}
