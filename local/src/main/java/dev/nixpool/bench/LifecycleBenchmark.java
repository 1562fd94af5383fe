package dev.nixpool.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjLongConsumer;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.local.LocalCluster;
import dev.nixpool.local.LocalClusterConfig;
import dev.nixpool.runtime.BuilderRuntime;

/**
 * How long each step of a NixBuild's life takes, end to end on a {@link LocalCluster}: the operator as its own
 * process, builder pods run by the builder runtime, real sshd and Nix. Runs N trivial builds (at most C at a time),
 * watches the builds and their pods with timestamps, and prints median and p95 per phase. Before that, in the same
 * run, it times N offloads of the same kind of build by a real Nix client to a warm builder ({@link DirectOffload})
 * and prints the end-to-end median beside that one, with the ratio and the target ({@link OffloadComparison}).
 * With {@code --warm} or {@code --reusable} the pool keeps idle Ready builders, each build is created once one is
 * idle, and the report adds the time to the build command on the builder and issue 9's targets
 * ({@link WarmComparison}). {@code ./nixpool bench lifecycle [--builds N] [--concurrency C] [--warm|--reusable]};
 * needs root, Nix and the packaged operator.
 */
public final class LifecycleBenchmark {

    static final String NAMESPACE = "bench";
    private static final Duration PER_BUILD_LIMIT = Duration.ofSeconds(60);

    /** The phases reported, each between two milestones. */
    static final Map<String, Milestone[]> PHASES = phases();
    /** The same for a warm pool, each from the create call. */
    static final Map<String, Milestone[]> WARM_PHASES = warmPhases();
    /** How long the pool may take to have an idle builder (it starts one: a pod start). */
    private static final Duration WARM_LIMIT = Duration.ofSeconds(60);

    private LifecycleBenchmark() {
    }

    /**
     * Options of one run; {@link #parse} says what was wrong with bad ones.
     *
     * @param operatorLog where the operator's output is kept; null: removed with the local cluster
     */
    public record Options(int builds, int concurrency, Map<String, String> operatorProperties, PoolMode pool,
            Path operatorLog) {

        public Options(int builds, int concurrency, Map<String, String> operatorProperties) {
            this(builds, concurrency, operatorProperties, PoolMode.COLD, null);
        }

        public static Options parse(List<String> args) {
            int builds = 10;
            int concurrency = 1;
            Map<String, String> properties = new LinkedHashMap<>();
            PoolMode pool = PoolMode.COLD;
            Path operatorLog = null;
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                switch (option) {
                    case "--builds" -> builds = positive(option, args, ++i);
                    case "--concurrency" -> concurrency = positive(option, args, ++i);
                    case "--warm" -> pool = pool == PoolMode.REUSABLE ? pool : PoolMode.WARM;
                    case "--reusable" -> pool = PoolMode.REUSABLE;
                    case "--operator-log" -> {
                        if (++i >= args.size() || args.get(i).isBlank()) {
                            throw new IllegalArgumentException("--operator-log needs a file name after it");
                        }
                        operatorLog = Path.of(args.get(i)).toAbsolutePath();
                    }
                    case "--set" -> {
                        String setting = ++i < args.size() ? args.get(i) : "";
                        int equals = setting.indexOf('=');
                        if (equals < 1) {
                            throw new IllegalArgumentException(
                                    "--set needs an operator setting KEY=VALUE, got '" + setting + "'");
                        }
                        properties.put(setting.substring(0, equals), setting.substring(equals + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + option
                            + "'; expected --builds N, --concurrency C, --warm, --reusable, --operator-log FILE"
                            + " or --set KEY=VALUE");
                }
            }
            return new Options(builds, concurrency, Map.copyOf(properties), pool, operatorLog);
        }

        private static int positive(String option, List<String> args, int index) {
            if (index >= args.size()) {
                throw new IllegalArgumentException(option + " needs a positive number after it, got nothing");
            }
            try {
                int value = Integer.parseInt(args.get(index));
                if (value >= 1) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below with the value that came
            }
            throw new IllegalArgumentException(option + " needs a positive number, got '" + args.get(index) + "'");
        }
    }

    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("LifecycleBenchmark: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(options, repoRoot(), System.out));
    }

    /** The repository: {@code -Dnixpool.repo.root} (the launcher sets it), else the current directory. */
    public static Path repoRoot() {
        return LocalClusterConfig.repoRoot();
    }

    /** @return 0 when every build succeeded, 1 otherwise */
    public static int run(Options options, Path repoRoot, PrintStream out) throws InterruptedException {
        long clusterStart = System.nanoTime();
        LocalClusterConfig config = LocalClusterConfig.fromRepository(repoRoot, repoRoot.resolve("operator/target"));
        for (var setting : options.operatorProperties().entrySet()) {
            config = config.withOperatorProperty(setting.getKey(), setting.getValue());
        }
        if (options.operatorLog() != null) {
            config = config.withOperatorLog(options.operatorLog());
        }
        try (LocalCluster cluster = LocalCluster.start(config)) {
            out.printf(Locale.ROOT, "local cluster started in %.1f s (API server, builder runtime, operator process)%n",
                    (System.nanoTime() - clusterStart) / 1e9);
            DirectStats direct;
            try {
                direct = direct(cluster, options.builds(), out);
            } catch (IOException e) {
                out.println("FAILED: the direct offload: " + e.getMessage());
                return 1;
            }
            return measure(cluster.client(), options, direct, out);
        }
    }

    /** The yardstick, before the operator's builds so that the two never share the machine. */
    /** The direct offloads' wall times and their times to the build command on the builder. */
    record DirectStats(LatencyStats wall, LatencyStats toCommand) {
    }

    private static DirectStats direct(LocalCluster cluster, int builds, PrintStream out)
            throws IOException, InterruptedException {
        Path dir = Files.createDirectory(cluster.workDir().resolve("direct-offload"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String runId = Long.toString(System.currentTimeMillis());
        try (DirectOffload offload = DirectOffload.start(cluster.client(), dir)) {
            offload.warmUp(runId);
            List<DirectOffload.Sample> samples = offload.measure(runId, builds);
            LatencyStats stats = LatencyStats.of(samples.stream().map(DirectOffload.Sample::millis).toList());
            LatencyStats toCommand = LatencyStats
                    .of(samples.stream().map(DirectOffload.Sample::commandMillis).toList());
            out.printf(Locale.ROOT, "direct offload: %d x nix-build --max-jobs 0 --builders ssh://... to a warm builder"
                    + " pod (Ready %.0f ms after its create call): median %.1f ms, p95 %.1f ms, max %.1f ms;"
                    + " started -> build command on the builder: median %.1f ms, p95 %.1f ms (n %d)%n%n",
                    stats.count(), offload.startMillis(), stats.median(), stats.p95(), stats.max(),
                    toCommand.median(), toCommand.p95(), toCommand.count());
            return new DirectStats(stats, toCommand);
        }
    }

    private static int measure(KubernetesClient client, Options options, DirectStats direct, PrintStream out)
            throws InterruptedException {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .create();
        client.resource(options.pool().pool(NAMESPACE, options.concurrency())).create();
        Map<String, BuildMilestones> builds = new ConcurrentHashMap<>();
        Map<String, Long> podsReady = new ConcurrentHashMap<>();
        Semaphore slots = new Semaphore(options.concurrency());
        long run = System.currentTimeMillis();
        try (Watch buildWatch = client.resources(NixBuild.class).inNamespace(NAMESPACE)
                .watch(new Recorder<>((build, nanos) -> {
                    BuildMilestones milestones = builds.get(build.getMetadata().getName());
                    if (milestones != null && !milestones.isFinished()) {
                        milestones.observe(build, nanos);
                        if (milestones.isFinished()) {
                            slots.release();
                        }
                    }
                }));
                Watch podWatch = client.pods().inNamespace(NAMESPACE).withLabels(BuilderRuntime.BUILDER_POD_LABELS)
                        .watch(new Recorder<Pod>((pod, nanos) -> {
                            if (BuildMilestones.isReady(pod)) {
                                podsReady.putIfAbsent(pod.getMetadata().getName(), nanos);
                            }
                            BuildMilestones milestones = builds
                                    .get(pod.getMetadata().getLabels().getOrDefault(Names.LABEL_BUILD, ""));
                            if (milestones != null) {
                                milestones.observe(pod, nanos);
                            }
                        }))) {
            if (options.pool().warm()) {
                if (!awaitIdle(client, options.concurrency())) {
                    out.println("FAILED: the pool did not have " + options.concurrency() + " idle builders within "
                            + WARM_LIMIT.toSeconds() + " s");
                    return 1;
                }
                out.printf(Locale.ROOT, "pool warm: %d idle builders%n", options.concurrency());
            }
            long started = System.nanoTime();
            for (int i = 1; i <= options.builds(); i++) {
                if (!slots.tryAcquire(PER_BUILD_LIMIT.toSeconds() * options.builds(), TimeUnit.SECONDS)) {
                    break;
                }
                if (options.pool().warm() && !awaitWarmFor(client, builds)) {
                    out.println("FAILED: no idle builder within " + WARM_LIMIT.toSeconds() + " s before build " + i);
                    slots.release();
                    break;
                }
                String name = "bench-" + i;
                BuildMilestones milestones = new BuildMilestones();
                builds.put(name, milestones);
                milestones.mark(Milestone.CREATED, System.nanoTime());
                client.resource(build(name, "nixpool-bench-" + run + "-" + i, i)).create();
            }
            boolean allEnded = slots.tryAcquire(options.concurrency(), PER_BUILD_LIMIT.toSeconds() * options.builds(),
                    TimeUnit.SECONDS);
            double wall = (System.nanoTime() - started) / 1e9;
            report(builds, options, wall, out);
            if (options.pool().warm()) {
                perBuild(builds, podsReady, out);
                warmComparison(builds, direct).print(out);
            } else {
                comparison(builds, direct.wall()).print(out);
            }
            List<String> problems = problems(builds, options, allEnded);
            problems.forEach(problem -> out.println("FAILED: " + problem));
            return problems.isEmpty() ? 0 : 1;
        }
    }

    /** The pool has {@code idle} Ready builders without a build, as its status says. */
    private static boolean awaitIdle(KubernetesClient client, int idle) {
        try {
            client.resources(BuildMachine.class).inNamespace(NAMESPACE).withName(PoolMode.POOL_NAME)
                    .waitUntilCondition(pool -> pool != null && pool.getStatus() != null
                            && pool.getStatus().getIdleBuilders() != null && pool.getStatus().getIdleBuilders() >= idle,
                            WARM_LIMIT.toSeconds(), TimeUnit.SECONDS);
            return true;
        } catch (KubernetesClientTimeoutException e) {
            return false;
        }
    }

    /**
     * Before a warm build: the builds created so far have all taken their builders (so the pool's idle count no longer
     * includes theirs), and one more builder is idle for the next. Whether each build really found its builder Ready is
     * checked afterwards from the pods' own Ready times ({@link #perBuild}).
     */
    private static boolean awaitWarmFor(KubernetesClient client, Map<String, BuildMilestones> builds)
            throws InterruptedException {
        long deadline = System.nanoTime() + WARM_LIMIT.toNanos();
        for (BuildMilestones milestones : builds.values()) {
            if (!milestones.awaitScheduled(deadline)) {
                return false;
            }
        }
        return awaitIdle(client, 1);
    }

    private static List<String> problems(Map<String, BuildMilestones> builds, Options options, boolean allEnded) {
        List<String> problems = new ArrayList<>();
        if (builds.size() < options.builds() || !allEnded) {
            problems.add("not every build ended within " + PER_BUILD_LIMIT.toSeconds() * options.builds() + " s");
        }
        builds.forEach((name, milestones) -> {
            if (milestones.finalPhase() == NixBuildPhase.Failed) {
                problems.add(name + " failed: " + milestones.failure());
            }
        });
        return problems;
    }

    static void report(Map<String, BuildMilestones> builds, Options options, double wallSeconds, PrintStream out) {
        out.printf(Locale.ROOT, "%d builds, at most %d at a time, %.1f s in all; pool %s; operator settings %s%n%n",
                builds.size(), options.concurrency(), wallSeconds, options.pool().description(),
                options.operatorProperties());
        out.printf(Locale.ROOT, "%-56s %10s %10s %10s %4s%n", "phase", "median ms", "p95 ms", "max ms", "n");
        (options.pool().warm() ? WARM_PHASES : PHASES).forEach((label, span) -> {
            LatencyStats stats = LatencyStats
                    .of(builds.values().stream().map(m -> m.millis(span[0], span[1])).toList());
            out.printf(Locale.ROOT, "%-56s %10.1f %10.1f %10.1f %4d%n", label, stats.median(), stats.p95(),
                    stats.max(), stats.count());
        });
    }

    /**
     * Each warm build's times, and whether its builder was Ready before the build was created (a warm start), from the
     * pod's own first Ready event.
     */
    static void perBuild(Map<String, BuildMilestones> builds, Map<String, Long> podsReady, PrintStream out) {
        out.printf(Locale.ROOT, "%n%-10s %-26s %-5s %12s %12s %12s%n", "build", "builder pod", "warm", "->Scheduled",
                "->command", "->Succeeded");
        int warm = 0;
        List<Map.Entry<String, BuildMilestones>> inOrder = new ArrayList<>(builds.entrySet());
        inOrder.sort(Comparator.comparing(e -> e.getValue().at(Milestone.CREATED),
                Comparator.nullsLast(Comparator.naturalOrder())));
        for (var entry : inOrder) {
            BuildMilestones m = entry.getValue();
            Long ready = m.builder() != null ? podsReady.get(m.builder()) : null;
            Long created = m.at(Milestone.CREATED);
            boolean warmStart = ready != null && created != null && ready < created;
            warm += warmStart ? 1 : 0;
            out.printf(Locale.ROOT, "%-10s %-26s %-5s %12s %12s %12s%n", entry.getKey(), m.builder(),
                    warmStart ? "yes" : "NO", millis(m, Milestone.SCHEDULED), millis(m, Milestone.COMMAND_ON_BUILDER),
                    millis(m, Milestone.SUCCEEDED));
        }
        out.printf(Locale.ROOT, "%d of %d builds found their builder Ready when they were created%n", warm,
                builds.size());
    }

    private static String millis(BuildMilestones milestones, Milestone to) {
        Double millis = milestones.millis(Milestone.CREATED, to);
        return millis == null ? "-" : String.format(Locale.ROOT, "%.1f", millis);
    }

    static WarmComparison warmComparison(Map<String, BuildMilestones> builds, DirectStats direct) {
        return new WarmComparison(stats(builds, Milestone.CREATED, Milestone.COMMAND_ON_BUILDER),
                stats(builds, Milestone.CREATED, Milestone.SUCCEEDED), direct.wall(), direct.toCommand());
    }

    private static LatencyStats stats(Map<String, BuildMilestones> builds, Milestone from, Milestone to) {
        return LatencyStats.of(builds.values().stream().map(m -> m.millis(from, to)).toList());
    }

    static OffloadComparison comparison(Map<String, BuildMilestones> builds, LatencyStats direct) {
        return new OffloadComparison(median(builds, Milestone.CREATED, Milestone.SUCCEEDED), direct.median(),
                median(builds, Milestone.SCHEDULED, Milestone.POD_READY));
    }

    private static double median(Map<String, BuildMilestones> builds, Milestone from, Milestone to) {
        return stats(builds, from, to).median();
    }

    private static Map<String, Milestone[]> phases() {
        Map<String, Milestone[]> phases = new LinkedHashMap<>();
        phases.put("schedule (created -> Scheduled)", span(Milestone.CREATED, Milestone.SCHEDULED));
        phases.put("pod start (Scheduled -> pod Ready)", span(Milestone.SCHEDULED, Milestone.POD_READY));
        phases.put("connect + handshake (pod Ready -> BuilderReady)", span(Milestone.POD_READY,
                Milestone.BUILDER_READY));
        phases.put("evaluate (BuilderReady -> derivation set)", span(Milestone.BUILDER_READY, Milestone.EVALUATED));
        phases.put("build (derivation -> buildStatus/outputs)", span(Milestone.EVALUATED, Milestone.BUILT));
        phases.put("collect + finish (buildStatus -> Succeeded)", span(Milestone.BUILT, Milestone.SUCCEEDED));
        phases.put("created -> build command on the builder", span(Milestone.CREATED, Milestone.COMMAND_ON_BUILDER));
        phases.put("end to end (created -> Succeeded)", span(Milestone.CREATED, Milestone.SUCCEEDED));
        return phases;
    }

    /**
     * A warm build has no pod start, and its status milestones can share one write: each is timed from the create call,
     * so none can come out negative.
     */
    private static Map<String, Milestone[]> warmPhases() {
        Map<String, Milestone[]> phases = new LinkedHashMap<>();
        phases.put("created -> Scheduled (builder claimed, run dispatched)", span(Milestone.CREATED,
                Milestone.SCHEDULED));
        phases.put("created -> BuilderReady (SSH session + serve handshake)", span(Milestone.CREATED,
                Milestone.BUILDER_READY));
        phases.put("created -> derivation set (instantiated on the builder)", span(Milestone.CREATED,
                Milestone.EVALUATED));
        phases.put("created -> build command on the builder", span(Milestone.CREATED, Milestone.COMMAND_ON_BUILDER));
        phases.put("created -> buildStatus/outputs set", span(Milestone.CREATED, Milestone.BUILT));
        phases.put("end to end (created -> Succeeded)", span(Milestone.CREATED, Milestone.SUCCEEDED));
        return phases;
    }

    private static Milestone[] span(Milestone from, Milestone to) {
        return new Milestone[]{from, to};
    }

    /** Distinct by name, so nothing is valid anywhere beforehand; the smallest build there is. */
    private static NixBuild build(String name, String derivationName, int index) {
        NixBuildSpec spec = new NixBuildSpec();
        spec.setExpression(DirectOffload.expression(derivationName, index));
        spec.setSystem("x86_64-linux");
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        build.setSpec(spec);
        return build;
    }

    /** Hands each watch event to {@code sink} with the time it arrived. */
    private record Recorder<T>(ObjLongConsumer<T> sink) implements Watcher<T> {
        @Override
        public void eventReceived(Action action, T resource) {
            if (action != Action.DELETED) {
                sink.accept(resource, System.nanoTime());
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            if (cause != null) {
                System.err.println("LifecycleBenchmark: a watch closed: " + cause.getMessage());
            }
        }
    }
}
