package dev.nixpool.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.local.LocalCluster;
import dev.nixpool.local.LocalClusterConfig;
import dev.nixpool.local.apiserver.EmbeddedApiServer.Observation;
import dev.nixpool.runtime.BuilderRuntime;
import dev.nixpool.runtime.Niceness;

/**
 * Placement at scale on a {@link LocalCluster}: applies N ConfigMaps and then N trivial NixBuilds with the real
 * kubectl, each as one {@code kubectl apply -f}, and prints the two apply times, how long after the apply every build
 * was placed (Scheduled or later, or queued with a position), the most builder pods seen against the pool's capacity,
 * the operator's peak heap and RSS, and the API writes per build; while a client lists every NixBuild once a second,
 * it then watches builds finish for a while and counts the ones that succeeded and failed, and last times
 * {@code kubectl delete nb --all}. {@code ./nixpool bench scale [--builds N] [--max-builders M] [--run-seconds S]};
 * needs root, Nix, kubectl and the packaged operator.
 */
public final class ScaleBenchmark {

    static final String NAMESPACE = "scale";
    static final String CONFIGMAP_NAMESPACE = "scale-configmaps";
    static final String WARM_UP_NAMESPACE = "scale-warm-up";
    /** Issue 13's targets for N = 1,000. */
    static final double APPLY_RATIO_TARGET = 2.0;
    static final double PLACED_TARGET_SECONDS = 30.0;
    private static final Duration DELETE_LIMIT = Duration.ofSeconds(180);

    private ScaleBenchmark() {
    }

    /** @return 0 when the benchmark ran and no build failed, 1 otherwise */
    public static int run(ScaleOptions options, Path repoRoot, PrintStream out) throws InterruptedException {
        LocalClusterConfig config = BenchCluster.config(repoRoot, options.operatorProperties(), options.operatorLog())
                .withNiceness(options.builderNice(), options.operatorNice());
        long clusterStart = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.start(config)) {
            out.printf(Locale.ROOT, "local cluster started in %.1f s; operator JVM options %s%n",
                    (System.nanoTime() - clusterStart) / 1e9, LocalClusterConfig.operatorJvmOptions());
            out.printf(Locale.ROOT, "CPU priorities: builder pods %s, operator %s, API server and benchmark %s%n",
                    Niceness.describe(options.builderNice()), Niceness.describe(options.operatorNice()),
                    Niceness.describe(Niceness.NORMAL));
            return measure(cluster, options, out);
        } catch (IOException e) {
            out.println("FAILED: " + e.getMessage());
            return 1;
        }
    }

    private static int measure(LocalCluster cluster, ScaleOptions options, PrintStream out)
            throws IOException, InterruptedException {
        KubernetesClient client = cluster.client();
        int n = options.builds();
        for (String namespace : List.of(NAMESPACE, CONFIGMAP_NAMESPACE, WARM_UP_NAMESPACE)) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                    .build()).create();
        }
        BuildMachine pool = PoolMode.COLD.pool(NAMESPACE, 1);
        pool.getSpec().setMaxBuilders(options.maxBuilders());
        client.resource(pool).create();
        Path configMaps = cluster.workDir().resolve("configmaps.yaml");
        Path builds = cluster.workDir().resolve("nixbuilds.yaml");
        writeManifests(configMaps, builds, n, Long.toString(System.currentTimeMillis()), CONFIGMAP_NAMESPACE,
                NAMESPACE);
        Kubectl kubectl = new Kubectl(cluster.kubeconfig(), cluster.workDir().resolve("kubectl.log"));
        if (options.warmUp() > 0) {
            warmUp(cluster, kubectl, options, out);
        }

        CpuCensus cpu = new CpuCensus(cluster.operator().pid());
        double configMapSeconds = kubectl.profiled("configmaps", cpu, out, "apply", "-f", configMaps.toString());
        out.printf(Locale.ROOT, "kubectl apply of %d ConfigMaps: %.1f s%n", n, configMapSeconds);
        // the NixBuilds then meet a store of the same size as the ConfigMaps did (the embedded API server's lookups
        // grow with the objects it holds)
        client.configMaps().inNamespace(CONFIGMAP_NAMESPACE).delete();

        ScaleObserver observer = new ScaleObserver(BuilderRuntime.BUILDER_POD_LABELS);
        OperatorMemory memory = new OperatorMemory(cluster.operator().pid(), cluster.operator().managementUrl());
        Map<String, Map<Integer, Long>> writesBefore = cluster.apiServer().writes().byResourceAndCode();
        // observed where the server stores them, not watched: two more watching clients in this process would take
        // the CPU of the server they measure
        try (Observation buildWrites = cluster.apiServer().observe(BuildMachine.GROUP, "nixbuilds", NAMESPACE,
                observer::build);
                Observation podWrites = cluster.apiServer().observe("", "pods", NAMESPACE, observer::pod);
                NixBuildLister lister = new NixBuildLister(client, NAMESPACE);
                MemorySampler sampler = new MemorySampler(memory)) {
            long applyStart = System.nanoTime();
            double buildSeconds = kubectl.profiled("nixbuilds", cpu, out, "apply", "-f", builds.toString());
            long applyEnd = System.nanoTime();
            // issue 13 asks for builds finishing while a client lists every NixBuild each second; during the apply
            // itself it would be load the ConfigMaps' apply it is compared with did not have
            lister.start();
            Map<String, Map<Integer, Long>> writesAtApplyEnd = cluster.apiServer().writes().byResourceAndCode();
            double ratio = buildSeconds / configMapSeconds;
            out.printf(Locale.ROOT, "kubectl apply of %d NixBuilds: %.1f s (%.1fx the ConfigMaps; target <= %.0fx)%n",
                    n, buildSeconds, ratio, APPLY_RATIO_TARGET);

            Duration placeLimit = Duration.ofSeconds(120 + n / 50);
            long deadline = applyEnd + placeLimit.toNanos();
            while (observer.placedCount() < n && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
            int placedCount = observer.placedCount();
            double placedAfter = (Math.max(observer.lastPlacedAt(), applyEnd) - applyEnd) / 1e9;
            if (placedCount < n) {
                out.printf(Locale.ROOT, "placed: only %d of %d builds within %d s after the apply%n", placedCount, n,
                        placeLimit.toSeconds());
            } else {
                out.printf(Locale.ROOT, "every build placed %.1f s after the apply ended (%.1f s after it started;"
                        + " target <= %.0f s)%n", placedAfter, (observer.lastPlacedAt() - applyStart) / 1e9,
                        PLACED_TARGET_SECONDS);
            }

            long runStart = System.nanoTime();
            long doneAtRunStart = observer.finished(NixBuildPhase.Succeeded) + observer.finished(NixBuildPhase.Failed);
            TimeUnit.SECONDS.sleep(options.runSeconds());
            double runWall = (System.nanoTime() - runStart) / 1e9;
            long succeeded = observer.finished(NixBuildPhase.Succeeded);
            long failed = observer.finished(NixBuildPhase.Failed);
            double sinceApply = (System.nanoTime() - applyStart) / 1e9;
            out.printf(Locale.ROOT, "builds finished %.0f s after the apply started: %d succeeded, %d failed;"
                    + " %.2f builds/s over the last %.0f s%n", sinceApply, succeeded, failed,
                    (succeeded + failed - doneAtRunStart) / runWall, runWall);
            out.printf(Locale.ROOT, "most builder pods seen at once: %d (capacity: maxBuilders %d)%n",
                    observer.mostBuilderPods(), options.maxBuilders());
            out.printf(Locale.ROOT, "lister: %d lists of every NixBuild, %d failed, slowest %.2f s%n", lister.lists(),
                    lister.failures(), lister.slowestSeconds());
            sampler.close();
            out.printf(Locale.ROOT, "operator (%s): peak heap used %.0f MiB, peak RSS %.0f MiB%n",
                    String.join(" ", LocalClusterConfig.operatorJvmOptions()), memory.maxHeapBytes() / 1048576.0,
                    memory.maxRssBytes() / 1048576.0);
            out.print("during the apply: ");
            printWrites(writesBefore, writesAtApplyEnd, n, out);
            out.print("the whole run: ");
            printWrites(writesBefore, cluster.apiServer().writes().byResourceAndCode(), n, out);

            deleteAll(client, kubectl, n, out);

            List<String> misses = new ArrayList<>();
            if (ratio > APPLY_RATIO_TARGET) {
                misses.add(String.format(Locale.ROOT, "apply took %.1fx the ConfigMaps' time", ratio));
            }
            if (placedCount < n || placedAfter > PLACED_TARGET_SECONDS) {
                misses.add("not every build was placed within " + (int) PLACED_TARGET_SECONDS + " s");
            }
            if (observer.mostBuilderPods() > options.maxBuilders()) {
                misses.add("more builder pods than the pool's capacity");
            }
            misses.forEach(miss -> out.println("MISSED: " + miss));
            if (failed > 0) {
                out.println("FAILED: " + failed + " builds failed");
            }
            return failed > 0 ? 1 : 0;
        }
    }

    /**
     * The warm-up round, the same for both kinds: {@code options.warmUp()} ConfigMaps applied and deleted, then as many
     * NixBuilds applied to a pool of the measured pool's size in a namespace of their own, every one of them placed,
     * then deleted (and the pool with them). Both JVMs' JIT compilers took 14 s of CPU each during a cold run's
     * NixBuilds' apply and 1.5 s during the ConfigMaps' (first in the run): cold code, not the work the apply asks for.
     */
    private static void warmUp(LocalCluster cluster, Kubectl kubectl, ScaleOptions options, PrintStream out)
            throws IOException, InterruptedException {
        KubernetesClient client = cluster.client();
        int n = options.warmUp();
        long start = System.nanoTime();
        BuildMachine pool = PoolMode.COLD.pool(WARM_UP_NAMESPACE, 1);
        pool.getSpec().setMaxBuilders(options.maxBuilders());
        client.resource(pool).create();
        Path configMaps = cluster.workDir().resolve("warm-up-configmaps.yaml");
        Path builds = cluster.workDir().resolve("warm-up-nixbuilds.yaml");
        writeManifests(configMaps, builds, n, "warm-up-" + System.currentTimeMillis(), WARM_UP_NAMESPACE,
                WARM_UP_NAMESPACE);
        double configMapSeconds = kubectl.timed("apply", "-f", configMaps.toString());
        client.configMaps().inNamespace(WARM_UP_NAMESPACE).delete();
        double buildSeconds = kubectl.timed("apply", "-f", builds.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long placed = 0;
        while (System.nanoTime() < deadline) {
            placed = client.resources(NixBuild.class).inNamespace(WARM_UP_NAMESPACE).list().getItems().stream()
                    .map(b -> client.getKubernetesSerialization().convertValue(b, JsonNode.class))
                    .filter(ScaleObserver::isPlaced)
                    .count();
            if (placed == n) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        kubectl.timed("delete", "nixbuilds", "--all", "-n", WARM_UP_NAMESPACE, "--wait=false");
        // not the measured delete: the few builds running in the warm-up pool may take longer (reported)
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int left = n;
        while (System.nanoTime() < deadline && left > 0) {
            TimeUnit.MILLISECONDS.sleep(200);
            left = client.resources(NixBuild.class).inNamespace(WARM_UP_NAMESPACE).list().getItems().size();
        }
        client.resource(pool).delete();
        out.printf(Locale.ROOT, "warm-up in namespace %s: %d ConfigMaps applied in %.1f s and deleted, %d NixBuilds"
                + " applied in %.1f s, %d of them placed, deleted (%d still there); %.1f s in all%n",
                WARM_UP_NAMESPACE, n, configMapSeconds, n, buildSeconds, placed, left,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * {@code kubectl delete nixbuilds --all} without waiting, then the time until the last one is gone (the operator
     * removes each one's finalizer after cleaning up its builder), or how many are left {@link #DELETE_LIMIT} after the
     * command returned.
     */
    private static void deleteAll(KubernetesClient client, Kubectl kubectl, int n, PrintStream out)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        double command = kubectl.timed("delete", "nixbuilds", "--all", "-n", NAMESPACE, "--wait=false");
        long deadline = System.nanoTime() + DELETE_LIMIT.toNanos();
        int left = n;
        while (System.nanoTime() < deadline) {
            left = client.resources(NixBuild.class).inNamespace(NAMESPACE).list().getItems().size();
            if (left == 0) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
        if (left == 0) {
            out.printf(Locale.ROOT, "kubectl delete nixbuilds --all: the command %.1f s, every NixBuild gone after"
                    + " %.1f s%n", command, (System.nanoTime() - start) / 1e9);
        } else {
            out.printf(Locale.ROOT, "kubectl delete nixbuilds --all: the command %.1f s, %d NixBuilds still there"
                    + " %d s after it%n", command, left, DELETE_LIMIT.toSeconds());
        }
    }

    /**
     * Writes by resource during the NixBuilds' part of the run, per build (the N creates are kubectl's), each with the
     * share of it that was not stored (e.g. {@code 409} conflicts) by status code.
     */
    static void printWrites(Map<String, Map<Integer, Long>> before, Map<String, Map<Integer, Long>> after, int n,
            PrintStream out) {
        Map<String, Map<Integer, Long>> during = new TreeMap<>();
        after.forEach((resource, codes) -> codes.forEach((code, count) -> {
            long delta = count - before.getOrDefault(resource, Map.of()).getOrDefault(code, 0L);
            if (delta > 0) {
                during.computeIfAbsent(resource, r -> new TreeMap<>()).put(code, delta);
            }
        }));
        long total = during.values().stream().flatMap(c -> c.values().stream()).mapToLong(Long::longValue).sum() - n;
        long refused = during.values().stream().flatMap(c -> c.entrySet().stream()).filter(e -> e.getKey() >= 300)
                .mapToLong(Map.Entry::getValue).sum();
        out.printf(Locale.ROOT, "API writes per build besides its create: %.1f, of them answered >= 300: %.2f (",
                total / (double) n, refused / (double) n);
        List<String> parts = new ArrayList<>();
        during.forEach((resource, codes) -> {
            long all = codes.values().stream().mapToLong(Long::longValue).sum();
            StringBuilder part = new StringBuilder(String.format(Locale.ROOT, "%s %.2f", resource,
                    (all - (resource.equals("nixbuilds") ? n : 0)) / (double) n));
            List<String> notStored = codes.entrySet().stream().filter(e -> e.getKey() >= 300)
                    .map(e -> String.format(Locale.ROOT, "%d: %.2f", e.getKey(), e.getValue() / (double) n)).toList();
            if (!notStored.isEmpty()) {
                part.append(" [").append(String.join(", ", notStored)).append(']');
            }
            parts.add(part.toString());
        });
        out.print(String.join(", ", parts));
        out.println(")");
    }

    private static void writeManifests(Path configMaps, Path builds, int n, String run, String configMapNamespace,
            String buildNamespace) throws IOException {
        try (Writer c = Files.newBufferedWriter(configMaps, StandardCharsets.UTF_8);
                Writer b = Files.newBufferedWriter(builds, StandardCharsets.UTF_8)) {
            for (int i = 1; i <= n; i++) {
                c.write("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: scale-" + i + "\n  namespace: "
                        + configMapNamespace + "\ndata:\n  expression: '" + expression(run, i) + "'\n");
                b.write("---\napiVersion: nixpool.dev/v1alpha1\nkind: NixBuild\nmetadata:\n  name: scale-" + i
                        + "\n  namespace: " + buildNamespace + "\nspec:\n  system: x86_64-linux\n  expression: '"
                        + expression(run, i) + "'\n");
            }
        }
    }

    /** Distinct per run and build, so nothing is valid anywhere beforehand; the smallest build there is. */
    static String expression(String run, int index) {
        return "derivation { name = \"nixpool-scale-" + run + "-" + index + "\"; system = \"x86_64-linux\";"
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"echo " + index + " > $out\" ]; }";
    }

    /** The real kubectl against the local cluster, its output kept in one log. */
    private record Kubectl(Path kubeconfig, Path log) {
        double timed(String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
            command.addAll(List.of(args));
            long start = System.nanoTime();
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            int code = process.waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (code != 0) {
                throw new IOException("kubectl " + String.join(" ", args) + " exited with " + code + "; see "
                        + lastLines());
            }
            return seconds;
        }

        /**
         * {@link #timed}, with kubectl's own request log ({@code -v=6}) and CPU time ({@code /usr/bin/time}) kept apart,
         * and the CPU every process took meanwhile printed with kubectl's view of the server's answers.
         */
        double profiled(String label, CpuCensus cpu, PrintStream out, String... args)
                throws IOException, InterruptedException {
            Path requestLog = log.resolveSibling("kubectl-" + label + ".log");
            Path times = log.resolveSibling("kubectl-" + label + ".time");
            List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%U %S", "-o", times.toString(),
                    "kubectl", "-v=6", "--kubeconfig", kubeconfig.toString()));
            command.addAll(List.of(args));
            out.println("  load average before the " + label + ": "
                    + Files.readString(Path.of("/proc/loadavg")).strip());
            CpuCensus.Snapshot before = cpu.take();
            long start = System.nanoTime();
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(requestLog.toFile()).start();
            int code = process.waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            CpuCensus.Snapshot after = cpu.take();
            if (code != 0) {
                throw new IOException("kubectl " + String.join(" ", args) + " exited with " + code + "; see "
                        + requestLog);
            }
            String[] userSystem = Files.readString(times).trim().split("\\s+");
            long kubectlTicks = Math.round((Double.parseDouble(userSystem[userSystem.length - 2])
                    + Double.parseDouble(userSystem[userSystem.length - 1])) / CpuCensus.TICK_SECONDS);
            out.println("  kubectl apply of the " + label + ": "
                    + KubectlRequests.parse(Files.readAllLines(requestLog)).summary(seconds));
            CpuCensus.report(before, after, kubectlTicks, 6).forEach(out::println);
            return seconds;
        }

        private String lastLines() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Samples the operator's memory every half second until closed, and once more then. */
    private static final class MemorySampler implements AutoCloseable {
        private final Thread thread;
        private final OperatorMemory memory;

        MemorySampler(OperatorMemory memory) {
            this.memory = memory;
            this.thread = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        memory.sample();
                        TimeUnit.MILLISECONDS.sleep(500);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "operator-memory");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join();
            memory.sample();
        }
    }
}
