package dev.nixpool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.BuilderTemplate;
import dev.nixpool.local.LocalCluster;
import dev.nixpool.local.LocalClusterConfig;
import dev.nixpool.local.LocalGateway;
import dev.nixpool.local.apiserver.EmbeddedApiServer;

/**
 * The gateway's speed beside a direct Nix offload, side by side in one run on one local cluster: this machine's Nix
 * runs {@code nix-build --max-jobs 0} of the same kind of build (a) through local mode's gateway to a pool with one warm,
 * reused builder and (b) directly over OpenSSH to a builder pod of the same kind ({@link DirectOffload}), alternating,
 * N trivial builds each; then one build each whose input is a large file of random bytes (generated once, kept for
 * later runs) that neither builder has. Before the measured large builds, one untimed build each way with a smaller
 * input of its own (--warm-up-mib): the gateway's relay path (MINA's channel, the spool, both ciphers) is then compiled
 * by the JIT, as in a gateway that has relayed anything large before, so the measured leg is its steady throughput;
 * the warm-up's own figures are printed too (a fresh operator's first large upload).
 */
public final class GatewayBenchmark {

    static final String POOL = "bench";
    private static final String NAMESPACE = EmbeddedApiServer.DEFAULT_NAMESPACE;
    private static final String SYSTEM = "x86_64-linux";
    private static final Duration TRIVIAL_LIMIT = Duration.ofSeconds(60);
    private static final Duration LARGE_LIMIT = Duration.ofMinutes(15);
    private static final Duration IDLE_LIMIT = Duration.ofSeconds(60);

    private GatewayBenchmark() {
    }

    /**
     * @param inputDir where the large input is generated once and kept
     * @param warmUpMib the warm-up input's size; 0: no warm-up
     * @param operatorLog where the operator's output is kept; null: removed with the local cluster
     */
    public record Options(int builds, int inputMib, Path inputDir, int warmUpMib, Path operatorLog) {

        public static Options parse(List<String> args) {
            int builds = 10;
            int inputMib = 1024;
            Path inputDir = Path.of("/var/tmp/nixpool-bench");
            int warmUpMib = 256;
            Path operatorLog = null;
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                switch (option) {
                    case "--builds" -> builds = positive(option, args, ++i);
                    case "--input-mib" -> inputMib = positive(option, args, ++i);
                    case "--input-dir" -> inputDir = Path.of(value(option, args, ++i)).toAbsolutePath();
                    case "--warm-up-mib" -> warmUpMib = notNegative(option, args, ++i);
                    case "--operator-log" -> operatorLog = Path.of(value(option, args, ++i)).toAbsolutePath();
                    default -> throw new IllegalArgumentException("unknown option '" + option
                            + "'; expected --builds N, --input-mib M, --input-dir DIR, --warm-up-mib W or --operator-log FILE");
                }
            }
            if (warmUpMib == inputMib) {
                // the same input would already be on both builders when the measured builds come
                throw new IllegalArgumentException("--warm-up-mib must differ from --input-mib (" + inputMib + ")");
            }
            return new Options(builds, inputMib, inputDir, warmUpMib, operatorLog);
        }

        private static String value(String option, List<String> args, int index) {
            if (index >= args.size() || args.get(index).isBlank()) {
                throw new IllegalArgumentException(option + " needs a value after it");
            }
            return args.get(index);
        }

        private static int positive(String option, List<String> args, int index) {
            return atLeast(1, "a positive number", option, args, index);
        }

        private static int notNegative(String option, List<String> args, int index) {
            return atLeast(0, "a number of 0 or more", option, args, index);
        }

        private static int atLeast(int least, String what, String option, List<String> args, int index) {
            String text = value(option, args, index);
            try {
                int n = Integer.parseInt(text);
                if (n >= least) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below with the value that came
            }
            throw new IllegalArgumentException(option + " needs " + what + ", got '" + text + "'");
        }
    }

    /** @return 0 when every build succeeded (the targets are reported, met or not), 1 otherwise */
    public static int run(Options options, Path repoRoot, PrintStream out) throws InterruptedException {
        out.printf(Locale.ROOT, "machine: %d cores, load average %s%n", Runtime.getRuntime().availableProcessors(),
                loadAverage());
        int port = LocalGateway.freePort();
        LocalClusterConfig config = LocalClusterConfig.fromRepository(repoRoot, repoRoot.resolve("operator/target"));
        for (Map.Entry<String, String> p : LocalGateway.properties(port).entrySet()) {
            config = config.withOperatorProperty(p.getKey(), p.getValue());
        }
        if (options.operatorLog() != null) {
            config = config.withOperatorLog(options.operatorLog());
        }
        long clusterStart = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.start(config)) {
            out.printf(Locale.ROOT, "local cluster with the gateway started in %.1f s%n",
                    (System.nanoTime() - clusterStart) / 1e9);
            KubernetesClient client = cluster.client();
            client.resource(pool()).create();
            LocalGateway gateway = LocalGateway.setUp(client, NAMESPACE, cluster.workDir().resolve("gateway"), port);
            Path directDir = Files.createDirectory(cluster.workDir().resolve("direct-offload"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (DirectOffload direct = DirectOffload.start(client, directDir)) {
                awaitIdle(client);
                return compare(options, cluster, gateway, direct, out);
            }
        } catch (IOException e) {
            out.println("FAILED: " + e.getMessage());
            return 1;
        }
    }

    private static int compare(Options options, LocalCluster cluster, LocalGateway gateway, DirectOffload direct,
            PrintStream out) throws IOException, InterruptedException {
        KubernetesClient client = cluster.client();
        Path logs = cluster.workDir();
        String runId = Long.toString(System.currentTimeMillis());
        String builders = "ssh://" + POOL + "@" + LocalGateway.HOST_ALIAS + " " + SYSTEM + " - 1 1";
        String offloadedTo = "ssh://" + POOL + "@" + LocalGateway.HOST_ALIAS;
        // untimed: the first login to each builder initialises its store, and the gateway's client key is
        // authorised once the operator's informer has seen it
        direct.offload(DirectOffload.expression("nixpool-gwbench-direct-" + runId + "-warm", 0), TRIVIAL_LIMIT);
        firstGatewayBuild(builders, gateway.sshConfig(), runId, offloadedTo, logs);
        awaitIdle(client);

        List<Double> viaGateway = new ArrayList<>();
        List<Double> directly = new ArrayList<>();
        for (int i = 1; i <= options.builds(); i++) {
            directly.add(direct.offload(DirectOffload.expression("nixpool-gwbench-direct-" + runId + "-" + i, i),
                    TRIVIAL_LIMIT));
            viaGateway.add(ClientNixBuild.wallMillis(builders, gateway.sshConfig(),
                    DirectOffload.expression("nixpool-gwbench-gateway-" + runId + "-" + i, i), offloadedTo,
                    TRIVIAL_LIMIT, logs.resolve("gateway-build.log")));
            awaitIdle(client);
        }
        out.printf(Locale.ROOT, "%d trivial builds each, alternating direct and gateway%n", options.builds());

        if (options.warmUpMib() > 0) {
            Path warmUp = largeInput(options.inputDir(), options.warmUpMib(), out);
            String warmUpPath = addToStore(warmUp);
            readOnce(warmUpPath);
            long warmUpBytes = Files.size(warmUp);
            double warmDirect = direct.offload(largeExpression("warm-up-direct", runId, warmUpPath), LARGE_LIMIT);
            double warmGateway = ClientNixBuild.wallMillis(builders, gateway.sshConfig(),
                    largeExpression("warm-up-gateway", runId, warmUpPath), offloadedTo, LARGE_LIMIT,
                    logs.resolve("gateway-warm-up.log"));
            out.printf(Locale.ROOT,
                    "warm-up, untimed (the gateway JVM's first large upload): %d MiB input, gateway %.1f MiB/s,"
                            + " direct %.1f MiB/s (%.0f %%)%n",
                    options.warmUpMib(), GatewayComparison.mibPerSecond(warmUpBytes, warmGateway),
                    GatewayComparison.mibPerSecond(warmUpBytes, warmDirect), 100 * warmDirect / warmGateway);
        }
        Path input = largeInput(options.inputDir(), options.inputMib(), out);
        long bytes = Files.size(input);
        String storePath = addToStore(input);
        readOnce(storePath);
        out.printf(Locale.ROOT, "large input: %s (%d bytes)%n", storePath, bytes);
        double largeDirect = direct.offload(largeExpression("direct", runId, storePath), LARGE_LIMIT);
        double largeGateway = ClientNixBuild.wallMillis(builders, gateway.sshConfig(),
                largeExpression("gateway", runId, storePath), offloadedTo, LARGE_LIMIT,
                logs.resolve("gateway-large.log"));

        GatewayComparison comparison = new GatewayComparison(LatencyStats.of(viaGateway), LatencyStats.of(directly),
                bytes, largeGateway, largeDirect);
        comparison.print(out);
        out.printf(Locale.ROOT, "%nload average at the end: %s%n", loadAverage());
        return 0;
    }

    /** The first build through the gateway, retried while the client key is not authorised yet. */
    private static void firstGatewayBuild(String builders, Path sshConfig, String runId, String offloadedTo, Path logs)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                ClientNixBuild.wallMillis(builders, sshConfig,
                        DirectOffload.expression("nixpool-gwbench-gateway-" + runId + "-warm", 0), offloadedTo,
                        TRIVIAL_LIMIT, logs.resolve("gateway-warm.log"));
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !e.getMessage().contains("Permission denied")) {
                    throw e;
                }
            }
        }
    }

    /** Random bytes (incompressible, like real inputs), written once and kept in {@code inputDir}. */
    static Path largeInput(Path inputDir, int mib, PrintStream out) throws IOException {
        Files.createDirectories(inputDir);
        Path file = inputDir.resolve("nixpool-gwbench-input-" + mib + "MiB");
        long size = (long) mib << 20;
        if (Files.exists(file) && Files.size(file) == size) {
            return file;
        }
        out.printf(Locale.ROOT, "generating %d MiB of random input in %s (once)%n", mib, file);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        SplittableRandom random = new SplittableRandom();
        byte[] block = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(partial)) {
            for (int i = 0; i < mib; i++) {
                for (int j = 0; j < block.length; j += 8) {
                    long r = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        block[j + k] = (byte) (r >>> (8 * k));
                    }
                }
                o.write(block);
            }
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** Adds the input to this machine's store (a no-op after the first time but for hashing it). */
    private static String addToStore(Path input) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nix-store", "--option", "build-users-group", "", "--add", input.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || !output.startsWith("/nix/store/")) {
            throw new IOException("nix-store --add " + input + " failed: " + output);
        }
        return output;
    }

    /**
     * Reads an input's store copy once, untimed, so that both legs read it from the page cache: after hours of idle the
     * VM's memory reclaimer had evicted it, and the first leg (the direct one) read it from disk at a third of its usual
     * speed, which made the gateway's share look better than it was.
     */
    private static void readOnce(String storePath) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of(storePath))) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    /** A build that reads its large input once: the time is the input's transfer. Nix runs builders with PATH unset. */
    static String largeExpression(String leg, String runId, String storePath) {
        return "derivation { name = \"nixpool-gwbench-large-" + leg + "-" + runId + "\"; system = \"" + SYSTEM + "\";"
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"/bin/wc -c < ${builtins.storePath \"" + storePath
                + "\"} > $out\" ]; }";
    }

    /** The pool behind the gateway: one builder, kept warm (minIdle 1) and reused, as the direct one is. */
    private static BuildMachine pool() {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(new ArrayList<>(List.of(SYSTEM)));
        spec.setMaxBuilders(1);
        spec.setMinIdle(1);
        spec.setEphemeral(false);
        BuilderTemplate template = new BuilderTemplate();
        template.setResources(new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("100m"))
                .addToRequests("memory", new Quantity("128Mi")).build());
        spec.setTemplate(template);
        BuildMachine pool = new BuildMachine();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE)
                .withName(POOL).build());
        pool.setSpec(spec);
        return pool;
    }

    /** Between gateway builds: the last one has given its builder back. */
    private static void awaitIdle(KubernetesClient client) throws IOException {
        try {
            client.resources(BuildMachine.class).inNamespace(NAMESPACE).withName(POOL)
                    .waitUntilCondition(m -> m != null && m.getStatus() != null
                            && m.getStatus().getIdleBuilders() != null && m.getStatus().getIdleBuilders() >= 1
                            && m.getStatus().getBusyBuilders() != null && m.getStatus().getBusyBuilders() == 0,
                            IDLE_LIMIT.toSeconds(), TimeUnit.SECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new IOException("the gateway pool's builder was not idle within " + IDLE_LIMIT.toSeconds() + " s");
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
