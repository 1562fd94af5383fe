package dev.nixpool.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
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
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
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
 * {@code ./nixpool bench lifecycle [--builds N] [--concurrency C]}; needs root, Nix and the packaged operator.
 */
public final class LifecycleBenchmark {

    static final String NAMESPACE = "bench";
    private static final Duration PER_BUILD_LIMIT = Duration.ofSeconds(60);

    /** The phases reported, each between two milestones. */
    static final Map<String, Milestone[]> PHASES = phases();

    private LifecycleBenchmark() {
    }

    /** Options of one run; {@link #parse} says what was wrong with bad ones. */
    public record Options(int builds, int concurrency, Map<String, String> operatorProperties) {
        public static Options parse(List<String> args) {
            int builds = 10;
            int concurrency = 1;
            Map<String, String> properties = new LinkedHashMap<>();
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                switch (option) {
                    case "--builds" -> builds = positive(option, args, ++i);
                    case "--concurrency" -> concurrency = positive(option, args, ++i);
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
                            + "'; expected --builds N, --concurrency C or --set KEY=VALUE");
                }
            }
            return new Options(builds, concurrency, Map.copyOf(properties));
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
        try (LocalCluster cluster = LocalCluster.start(config)) {
            out.printf(Locale.ROOT, "local cluster started in %.1f s (API server, builder runtime, operator process)%n",
                    (System.nanoTime() - clusterStart) / 1e9);
            LatencyStats direct;
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
    private static LatencyStats direct(LocalCluster cluster, int builds, PrintStream out)
            throws IOException, InterruptedException {
        Path dir = Files.createDirectory(cluster.workDir().resolve("direct-offload"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String runId = Long.toString(System.currentTimeMillis());
        try (DirectOffload offload = DirectOffload.start(cluster.client(), dir)) {
            offload.warmUp(runId);
            LatencyStats stats = LatencyStats.of(offload.measure(runId, builds));
            out.printf(Locale.ROOT, "direct offload: %d x nix-build --max-jobs 0 --builders ssh://... to a warm builder"
                    + " pod (Ready %.0f ms after its create call): median %.1f ms, p95 %.1f ms, max %.1f ms%n%n",
                    stats.count(), offload.startMillis(), stats.median(), stats.p95(), stats.max());
            return stats;
        }
    }

    private static int measure(KubernetesClient client, Options options, LatencyStats direct, PrintStream out)
            throws InterruptedException {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .create();
        client.resource(pool(options.concurrency())).create();
        Map<String, BuildMilestones> builds = new ConcurrentHashMap<>();
        Semaphore slots = new Semaphore(options.concurrency());
        long run = System.currentTimeMillis();
        long started = System.nanoTime();
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
                            BuildMilestones milestones = builds
                                    .get(pod.getMetadata().getLabels().getOrDefault(Names.LABEL_BUILD, ""));
                            if (milestones != null) {
                                milestones.observe(pod, nanos);
                            }
                        }))) {
            for (int i = 1; i <= options.builds(); i++) {
                if (!slots.tryAcquire(PER_BUILD_LIMIT.toSeconds() * options.builds(), TimeUnit.SECONDS)) {
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
            comparison(builds, direct).print(out);
            List<String> problems = problems(builds, options, allEnded);
            problems.forEach(problem -> out.println("FAILED: " + problem));
            return problems.isEmpty() ? 0 : 1;
        }
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
        out.printf(Locale.ROOT, "%d builds, at most %d at a time, %.1f s in all; operator settings %s%n%n",
                builds.size(), options.concurrency(), wallSeconds, options.operatorProperties());
        out.printf(Locale.ROOT, "%-52s %10s %10s %10s %4s%n", "phase", "median ms", "p95 ms", "max ms", "n");
        PHASES.forEach((label, span) -> {
            LatencyStats stats = LatencyStats
                    .of(builds.values().stream().map(m -> m.millis(span[0], span[1])).toList());
            out.printf(Locale.ROOT, "%-52s %10.1f %10.1f %10.1f %4d%n", label, stats.median(), stats.p95(),
                    stats.max(), stats.count());
        });
    }

    static OffloadComparison comparison(Map<String, BuildMilestones> builds, LatencyStats direct) {
        return new OffloadComparison(median(builds, Milestone.CREATED, Milestone.SUCCEEDED), direct.median(),
                median(builds, Milestone.SCHEDULED, Milestone.POD_READY));
    }

    private static double median(Map<String, BuildMilestones> builds, Milestone from, Milestone to) {
        return LatencyStats.of(builds.values().stream().map(m -> m.millis(from, to)).toList()).median();
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
        phases.put("end to end (created -> Succeeded)", span(Milestone.CREATED, Milestone.SUCCEEDED));
        return phases;
    }

    private static Milestone[] span(Milestone from, Milestone to) {
        return new Milestone[]{from, to};
    }

    private static BuildMachine pool(int maxBuilders) {
        BuildMachineSpec spec = new BuildMachineSpec();
        spec.setSystems(new ArrayList<>(List.of("x86_64-linux")));
        spec.setMaxBuilders(Math.max(maxBuilders, 1));
        BuildMachine pool = new BuildMachine();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName("default").build());
        pool.setSpec(spec);
        return pool;
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
