package dev.nixpool.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.local.LocalCluster;
import dev.nixpool.local.LocalClusterConfig;
import dev.nixpool.ssh.RemoteProcess;
import dev.nixpool.ssh.SshConnector;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTimeouts;

/**
 * Upload throughput, side by side in one run on a {@link LocalCluster}: a NixBuild builds a large output (random bytes,
 * and text that compresses) on a reusable builder of a pool whose copyTo is a file:// cache, and the time from its
 * phase Uploading to Succeeded is the operator's uploader (reading the builder over SSH, hashing, compressing, writing,
 * signing); then {@code nix copy --to file://} of the same output runs on that same builder, into a cache in the
 * builder user's home directory, with the same compression. Both figures are NAR bytes per second.
 */
public final class UploadBenchmark {

    static final String NAMESPACE = "bench-upload";
    private static final Duration LIMIT = Duration.ofHours(2);
    private static final Duration POLL = Duration.ofMillis(50);

    private UploadBenchmark() {
    }

    /** One variant's result: the NAR size and both uploads' seconds. */
    record Sample(String variant, long narSize, double nixpoolSeconds, double nixCopySeconds) {

        double nixpoolMbPerSecond() {
            return narSize / 1e6 / nixpoolSeconds;
        }

        double nixCopyMbPerSecond() {
            return narSize / 1e6 / nixCopySeconds;
        }

        double ratio() {
            return nixCopySeconds / nixpoolSeconds;
        }
    }

    /** @return 0 when every upload succeeded, 1 otherwise */
    public static int run(UploadOptions options, Path repoRoot, PrintStream out)
            throws InterruptedException, IOException {
        LocalClusterConfig config = LocalClusterConfig.fromRepository(repoRoot, repoRoot.resolve("operator/target"));
        try (LocalCluster cluster = LocalCluster.start(config)) {
            KubernetesClient client = cluster.client();
            Path work = Files.createDirectories(cluster.workDir().resolve("upload-bench"));
            Path keys = Files.createDirectories(work.resolve("keys"));
            run(List.of("nix-store", "--generate-binary-cache-key", "bench-upload-1", keys.resolve("sk").toString(),
                    keys.resolve("pk").toString()));
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
                    .build()).create();
            client.resource(new SecretBuilder().withNewMetadata().withName("cache-key").withNamespace(NAMESPACE)
                    .endMetadata().withStringData(Map.of("secret", Files.readString(keys.resolve("sk")))).build())
                    .create();
            Path ours = work.resolve("nixpool-cache");
            client.resource(pool("file://" + ours + "?compression=" + options.compression())).create();
            out.printf(Locale.ROOT, "upload benchmark: %d MiB outputs, compression %s, %d cores, load %s%n",
                    options.sizeMib(), options.compression(), Runtime.getRuntime().availableProcessors(), load());
            List<Sample> samples = new ArrayList<>();
            String run = Long.toString(System.currentTimeMillis());
            if (options.random()) {
                samples.add(variant(client, "random", "/usr/bin/head -c " + bytes(options) + " /dev/urandom > $out",
                        run, options, out));
            }
            if (options.compressible()) {
                samples.add(variant(client, "compressible", "/usr/bin/yes 'nixpool upload benchmark line, repeated'"
                        + " | /usr/bin/head -c " + bytes(options) + " > $out", run, options, out));
            }
            out.println();
            out.printf(Locale.ROOT, "%-13s %10s %16s %16s %8s%n", "output", "NAR MB", "nixpool MB/s",
                    "nix copy MB/s", "ratio");
            for (Sample s : samples) {
                out.printf(Locale.ROOT, "%-13s %10.1f %16.1f %16.1f %7.0f%%%n", s.variant(), s.narSize() / 1e6,
                        s.nixpoolMbPerSecond(), s.nixCopyMbPerSecond(), 100 * s.ratio());
            }
            out.printf(Locale.ROOT, "(ratio: nixpool's throughput as a share of nix copy's; target >= 70%%) load %s%n",
                    load());
            return 0;
        } catch (BenchFailure e) {
            out.println("FAILED: " + e.getMessage());
            return 1;
        }
    }

    private static long bytes(UploadOptions options) {
        return (long) options.sizeMib() * 1024 * 1024;
    }

    private static Sample variant(KubernetesClient client, String variant, String script, String run,
            UploadOptions options, PrintStream out) throws InterruptedException, IOException {
        String name = "upload-" + variant;
        client.resource(build(name, "upload-bench-" + variant + "-" + run, script)).create();
        long uploading = 0;
        NixBuild build;
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            build = client.resources(NixBuild.class).inNamespace(NAMESPACE).withName(name).get();
            NixBuildPhase phase = build.getStatus() == null ? null : build.getStatus().getPhase();
            if (phase == NixBuildPhase.Uploading && uploading == 0) {
                uploading = System.nanoTime();
            }
            if (phase != null && phase.isFinal()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new BenchFailure(name + " did not finish within " + LIMIT);
            }
            Thread.sleep(POLL.toMillis());
        }
        long ended = System.nanoTime();
        if (build.getStatus().getPhase() != NixBuildPhase.Succeeded || uploading == 0) {
            throw new BenchFailure(name + " ended " + build.getStatus().getPhase() + " (seen Uploading: "
                    + (uploading != 0) + "): " + build.getStatus().getConditions());
        }
        double nixpool = (ended - uploading) / 1e9;
        String output = build.getStatus().getOutputs().get(0).getPath();
        long narSize = build.getStatus().getOutputs().get(0).getNarSize();
        out.printf(Locale.ROOT, "%s: nixpool uploaded %s (%.1f MB NAR) in %.1f s%n", variant, output, narSize / 1e6,
                nixpool);
        // in the builder user's home: a directory of the pod, on the same disk as its store
        double nixCopy = nixCopyOnBuilder(client, build.getStatus().getBuilder(), output,
                "file://$HOME/nix-copy-cache?compression=" + options.compression());
        out.printf(Locale.ROOT, "%s: nix copy --to file:// on builder %s took %.1f s%n", variant,
                build.getStatus().getBuilder(), nixCopy);
        return new Sample(variant, narSize, nixpool, nixCopy);
    }

    /** {@code nix copy} run on the builder pod itself, logged into with its own key Secret, as an admin would. */
    private static double nixCopyOnBuilder(KubernetesClient client, String pod, String output, String cache)
            throws IOException {
        Secret keys = client.secrets().inNamespace(NAMESPACE).withName(Names.keySecretName(pod)).get();
        String clientKey = decode(keys.getData().get(Names.KEY_CLIENT_PRIVATE));
        String hostKey = decode(keys.getData().get(Names.KEY_HOST_PUBLIC)).strip();
        String ip = client.pods().inNamespace(NAMESPACE).withName(pod).get().getStatus().getPodIP();
        List<String> stderr = new ArrayList<>();
        try (SshConnector ssh = new SshConnector();
                SshSession session = ssh.connect(new SshTarget(ip, 2222, "nixpool"), clientKey, hostKey,
                        SshTimeouts.defaults())) {
            long start = System.nanoTime();
            try (RemoteProcess copy = session.exec("nix --extra-experimental-features nix-command copy --to \"" + cache
                    + "\" " + output, line -> {
                        synchronized (stderr) {
                            stderr.add(line);
                        }
                    })) {
                copy.stdin().close();
                int status = copy.waitFor(LIMIT);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (status != 0) {
                    throw new BenchFailure("nix copy on " + pod + " exited " + status + ": " + stderr);
                }
                return seconds;
            }
        }
    }

    /** A reusable builder (it outlives the build, so nix copy can run on it) and the cache to copy to. */
    private static BuildMachine pool(String cacheUri) {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(new ArrayList<>(List.of("x86_64-linux")));
        spec.setMaxBuilders(1);
        spec.setMinIdle(1);
        spec.setEphemeral(false);
        spec.setCopyTo(new CopyTo(cacheUri, new SecretKeyRef("cache-key", "secret")));
        BuildMachine pool = new BuildMachine();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(PoolMode.POOL_NAME).build());
        pool.setSpec(spec);
        return pool;
    }

    private static NixBuild build(String name, String derivationName, String script) {
        NixBuildSpec spec = new NixBuildSpec();
        spec.setExpression("derivation { name = \"" + derivationName + "\"; system = \"x86_64-linux\";"
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"" + script.replace("\\", "\\\\").replace("\"", "\\\"")
                        .replace("$", "\\$")
                + "\" ]; }");
        spec.setSystem("x86_64-linux");
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        build.setSpec(spec);
        return build;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new BenchFailure(String.join(" ", argv) + " failed: " + output);
        }
    }

    /** The benchmark could not measure what it was asked to. */
    private static final class BenchFailure extends RuntimeException {

        BenchFailure(String message) {
            super(message);
        }
    }
}
