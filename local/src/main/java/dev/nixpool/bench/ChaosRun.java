package dev.nixpool.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.local.LocalCluster;
import dev.nixpool.local.OperatorProcess;
import dev.nixpool.runtime.BuilderRuntime;
import dev.nixpool.runtime.LiveBuilder;

/**
 * One chaos run on a {@link LocalCluster}: real builds of trivial derivations (distinct per run) in a pool of ephemeral
 * builders, each held on its builder until the {@link ChaosPlan} releases it, while the plan SIGKILLs the operator
 * process (the cluster's supervisor starts it again), deletes the builder pods of held Building builds and cuts the
 * SSH connections of others (SIGKILL of the sshd session processes above the build's {@code nix-store --serve}). It
 * then waits for every build to end and for the operator to remove every builder pod and key Secret, and reports what
 * it saw ({@link ChaosReport}). Each wait is for a condition, bounded by a limit that only a stuck build reaches.
 */
public final class ChaosRun {

    /** The retries each build gets: the most pod deletes and connection cuts that may hit one build. */
    static final int MAX_RETRIES = 10;
    /** How long a step waits for a build to hit, or the operator to come back, before the run counts as stuck. */
    static final Duration STUCK = Duration.ofMinutes(5);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final String SERVE = "nix-store --serve";

    private final LocalCluster cluster;
    private final KubernetesClient client;
    private final ChaosOptions options;
    private final String namespace;
    private final PrintStream progress;
    private final Random targets;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Set<String> released = new HashSet<>();
    private final Map<String, Integer> hits = new TreeMap<>();
    /** "name#attempt" of every attempt a pod delete or cut hit. */
    private final Set<String> hitAttempts = new HashSet<>();
    /** Build name to the attempts whose builder pod was deleted: each must have been followed by another attempt. */
    private final Map<String, List<Integer>> deletedAttempts = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private final long runStart = System.nanoTime();
    private Path gateDir;
    private int kills;
    private int deletes;
    private int cuts;

    private ChaosRun(LocalCluster cluster, ChaosOptions options, String namespace, PrintStream progress) {
        this.cluster = cluster;
        this.client = cluster.client();
        this.options = options;
        this.namespace = namespace;
        this.progress = progress;
        this.targets = new Random(options.seed() * 31 + 7);
    }

    /** Runs the chaos in a new {@code namespace} of {@code cluster}; progress lines go to {@code progress}. */
    public static ChaosReport execute(LocalCluster cluster, ChaosOptions options, String namespace,
            PrintStream progress) throws InterruptedException {
        return new ChaosRun(cluster, options, namespace, progress).run();
    }

    private ChaosReport run() throws InterruptedException {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                .build()).create();
        client.resource(PoolMode.COLD.pool(namespace, options.concurrency())).create();
        ChaosPlan plan = ChaosPlan.draw(options);
        long started = System.nanoTime();
        try (AttemptCensus census = new AttemptCensus(client, namespace)) {
            gateDir = Files.createTempDirectory("nixpool-chaos-gates-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            List<String> names = createBuilds();
            progress.printf("%d builds created; plan: %d releases, %d operator kills, %d pod deletes, %d connection"
                    + " cuts (seed %d)%n", names.size(), plan.count(ChaosPlan.Action.RELEASE),
                    plan.count(ChaosPlan.Action.OPERATOR_KILL), plan.count(ChaosPlan.Action.POD_DELETE),
                    plan.count(ChaosPlan.Action.CONNECTION_CUT), options.seed());
            for (ChaosPlan.Step step : plan.steps()) {
                Thread.sleep(step.pause().toMillis());
                if (!perform(step.action())) {
                    break;
                }
            }
            // a run that stopped early must not leave builds waiting for a release that never comes
            names.forEach(this::release);
            double chaosSeconds = seconds(started);
            Map<String, NixBuild> ended = awaitEnded(names);
            double buildsSeconds = seconds(started);
            awaitOperatorBack();
            Leftovers leftovers = awaitCollected();
            double totalSeconds = seconds(started);
            census.problems().forEach(problems::add);
            return report(ended, census, leftovers, chaosSeconds, buildsSeconds, totalSeconds);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the builds' gates", e);
        } finally {
            deleteGates();
        }
    }

    private List<String> createBuilds() {
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < options.builds(); i++) {
            String name = "chaos-" + i;
            NixBuildSpec spec = new NixBuildSpec();
            spec.setExpression(expression("chaos-" + run + "-" + i, gateDir.resolve(name)));
            spec.setSystem("x86_64-linux");
            spec.setRetries(MAX_RETRIES);
            NixBuild build = new NixBuild();
            build.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
            build.setSpec(spec);
            client.resource(build).create();
            names.add(name);
        }
        return names;
    }

    /**
     * A one-line derivation that waits (without a process or CPU) until its gate file exists, at most 15 minutes, and
     * then writes its output: held on its builder until released.
     */
    static String expression(String derivationName, Path gate) {
        String script = "exec 3> >(:); i=0; while [ ! -e " + gate + " ] && [ $i -lt 9000 ]; do read -t 0.1 x"
                + " < /proc/self/fd/3; i=$((i+1)); done; echo " + derivationName + " > $out";
        return """
                derivation {
                  name = "%s";
                  system = "x86_64-linux";
                  builder = "/bin/bash";
                  args = [ "-c" "%s" ];
                }
                """.formatted(derivationName, script);
    }

    /** @return false when the run is stuck and the rest of the plan is pointless */
    private boolean perform(ChaosPlan.Action action) throws InterruptedException {
        return switch (action) {
            case RELEASE -> releaseOne();
            case OPERATOR_KILL -> killOperator();
            case POD_DELETE -> deletePod();
            case CONNECTION_CUT -> cutConnection();
        };
    }

    private boolean releaseOne() throws InterruptedException {
        // "" when nothing is left to release: every build not yet released has ended (a failure shows in the report)
        Optional<String> target = await("a held build Building, to release", () -> {
            List<NixBuild> held = heldBuilds();
            return held.isEmpty()
                    ? Optional.of("")
                    : pick(held.stream().filter(ChaosRun::building).toList()).map(b -> b.getMetadata().getName());
        });
        target.filter(name -> !name.isEmpty()).ifPresent(this::release);
        return target.isPresent();
    }

    private boolean killOperator() throws InterruptedException {
        OperatorProcess operator = cluster.operator();
        Optional<Boolean> ready = await("the operator to be ready, to kill it",
                () -> operatorReady(operator) ? Optional.of(true) : Optional.empty());
        if (ready.isEmpty()) {
            return false;
        }
        operator.kill();
        kills++;
        progress.printf("%6.1f s  killed the operator (kill %d)%n", elapsed(), kills);
        return true;
    }

    private boolean deletePod() throws InterruptedException {
        Optional<NixBuild> target = await("a held build Building, to delete its builder pod",
                () -> pick(heldBuilds().stream().filter(ChaosRun::building).filter(this::notHitYet).toList()));
        if (target.isEmpty()) {
            return false;
        }
        NixBuild build = target.get();
        String name = build.getMetadata().getName();
        client.pods().inNamespace(namespace).withName(build.getStatus().getBuilder()).delete();
        deletes++;
        hit(build);
        deletedAttempts.computeIfAbsent(name, n -> new ArrayList<>()).add(build.getStatus().getAttempts());
        progress.printf("%6.1f s  deleted builder pod %s of %s (attempt %d)%n", elapsed(),
                build.getStatus().getBuilder(), name, build.getStatus().getAttempts());
        return true;
    }

    /**
     * Waits for a held Building build whose {@code nix-store --serve} the running operator started (not one of a
     * killed operator's connections, which end by themselves), and SIGKILLs the sshd processes of its session: the
     * TCP connection closes under the operator's SSH client as when a network path dies.
     */
    private boolean cutConnection() throws InterruptedException {
        Optional<String> cut = await("a held build Building with its serve process up, to cut its connection", () -> {
            Optional<Instant> operatorStart = operatorStart();
            if (operatorStart.isEmpty()) {
                return Optional.empty();
            }
            List<NixBuild> building = heldBuilds().stream().filter(ChaosRun::building).filter(this::notHitYet)
                    .filter(b -> b.getStatus().getDerivation() != null).toList();
            for (NixBuild build : ordered(building)) {
                List<ProcessHandle> sessions = sshSessions(build.getStatus().getBuilder(), operatorStart.get());
                if (!sessions.isEmpty()) {
                    List<String> killed = sessions.stream().map(p -> p.pid() + " " + commandLine(p.pid()).trim())
                            .toList();
                    sessions.forEach(ProcessHandle::destroyForcibly);
                    hit(build);
                    return Optional.of(build.getMetadata().getName() + " (attempt " + build.getStatus().getAttempts()
                            + ", sshd processes " + killed + ")");
                }
            }
            return Optional.empty();
        });
        if (cut.isEmpty()) {
            return false;
        }
        cuts++;
        progress.printf("%6.1f s  cut the SSH connection of %s%n", elapsed(), cut.get());
        return true;
    }

    /** The sshd processes (per-connection, "sshd: user@notty" and its monitor) above the builder's serve processes. */
    private List<ProcessHandle> sshSessions(String podName, Instant operatorStart) {
        Set<ProcessHandle> sessions = new LinkedHashSet<>();
        for (LiveBuilder builder : cluster.runtime().liveBuilders()) {
            if (!builder.namespace().equals(namespace) || !builder.name().equals(podName)) {
                continue;
            }
            Set<Long> pods = Set.copyOf(builder.processIds());
            for (long pid : builder.processIds()) {
                Optional<ProcessHandle> process = ProcessHandle.of(pid);
                if (process.isEmpty() || !commandLine(pid).contains(SERVE) || !startedAfter(process.get(),
                        operatorStart)) {
                    continue;
                }
                // up to the listener ("sshd: /usr/sbin/sshd ... [listener] ..."), which stays: the pod lives on
                Optional<ProcessHandle> parent = process.get().parent();
                while (parent.isPresent() && pods.contains(parent.get().pid())) {
                    String command = commandLine(parent.get().pid());
                    if (command.contains("[listener]")) {
                        break;
                    }
                    if (command.startsWith("sshd: ")) {
                        sessions.add(parent.get());
                    }
                    parent = parent.get().parent();
                }
            }
        }
        return List.copyOf(sessions);
    }

    private static boolean startedAfter(ProcessHandle process, Instant instant) {
        return process.info().startInstant().map(start -> start.isAfter(instant)).orElse(false);
    }

    /** From /proc: ProcessHandle.Info has no command line for a process whose executable is in another mount namespace. */
    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** When the running operator process started, if it runs and is ready. */
    private Optional<Instant> operatorStart() {
        OperatorProcess operator = cluster.operator();
        if (!operatorReady(operator)) {
            return Optional.empty();
        }
        try {
            return ProcessHandle.of(operator.pid()).flatMap(p -> p.info().startInstant());
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    private boolean operatorReady(OperatorProcess operator) {
        if (!operator.isRunning()) {
            return false;
        }
        HttpRequest probe = HttpRequest.newBuilder(operator.httpUrl().resolve(URI.create("/q/health/ready")))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            return http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether the build's current attempt is still untouched: a hit attempt ends (its builder is lost), but its status
     * may say Building until the operator has noticed, and hitting it again would hit nothing.
     */
    private boolean notHitYet(NixBuild build) {
        return !hitAttempts.contains(build.getMetadata().getName() + "#" + build.getStatus().getAttempts());
    }

    private void hit(NixBuild build) {
        hits.merge(build.getMetadata().getName(), 1, Integer::sum);
        hitAttempts.add(build.getMetadata().getName() + "#" + build.getStatus().getAttempts());
    }

    /** Not yet released and not ended. */
    private List<NixBuild> heldBuilds() {
        return client.resources(NixBuild.class).inNamespace(namespace).list().getItems().stream()
                .filter(b -> !released.contains(b.getMetadata().getName()))
                .filter(b -> b.getStatus() == null || b.getStatus().getPhase() == null
                        || !b.getStatus().getPhase().isFinal())
                .toList();
    }

    private static boolean building(NixBuild build) {
        return build.getStatus() != null && build.getStatus().getPhase() == NixBuildPhase.Building
                && build.getStatus().getBuilder() != null && build.getStatus().getAttempts() != null;
    }

    /** A random one of the builds hit least so far: pod deletes and cuts spread over the builds. */
    private Optional<NixBuild> pick(List<NixBuild> candidates) {
        List<NixBuild> ordered = ordered(candidates);
        return ordered.isEmpty() ? Optional.empty() : Optional.of(ordered.get(0));
    }

    /** Least hit first, ties in a random (seeded) order. */
    private List<NixBuild> ordered(List<NixBuild> candidates) {
        List<NixBuild> shuffled = new ArrayList<>(candidates);
        shuffled.sort(Comparator.comparing(b -> b.getMetadata().getName()));
        Collections.shuffle(shuffled, targets);
        shuffled.sort(Comparator.comparingInt(b -> hits.getOrDefault(b.getMetadata().getName(), 0)));
        return shuffled;
    }

    private void release(String name) {
        if (!released.add(name)) {
            return;
        }
        try {
            Files.createFile(gateDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + name, e);
        }
    }

    private Map<String, NixBuild> awaitEnded(List<String> names) throws InterruptedException {
        await("every build to end", () -> {
            List<NixBuild> builds = client.resources(NixBuild.class).inNamespace(namespace).list().getItems();
            return builds.size() == names.size() && builds.stream().allMatch(ChaosRun::ended)
                    ? Optional.of(true)
                    : Optional.empty();
        });
        Map<String, NixBuild> ended = new LinkedHashMap<>();
        for (String name : names) {
            ended.put(name, client.resources(NixBuild.class).inNamespace(namespace).withName(name).get());
        }
        return ended;
    }

    private static boolean ended(NixBuild build) {
        return build.getStatus() != null && build.getStatus().getPhase() != null
                && build.getStatus().getPhase().isFinal();
    }

    /** Every kill restarted and the operator ready again: it is the one that collects the last builders. */
    private void awaitOperatorBack() throws InterruptedException {
        OperatorProcess operator = cluster.operator();
        await("the operator to be restarted after every kill and ready", () -> cluster.restarts(operator) >= kills
                && operatorReady(operator) ? Optional.of(true) : Optional.empty());
    }

    record Leftovers(List<String> pods, List<String> secrets) {
    }

    private Leftovers awaitCollected() throws InterruptedException {
        Supplier<Leftovers> look = () -> new Leftovers(
                client.pods().inNamespace(namespace).withLabels(BuilderRuntime.BUILDER_POD_LABELS).list().getItems()
                        .stream().map(p -> p.getMetadata().getName()).toList(),
                client.secrets().inNamespace(namespace).withLabels(BuilderRuntime.BUILDER_POD_LABELS).list()
                        .getItems().stream().map(s -> s.getMetadata().getName()).toList());
        await("every builder pod and key Secret to be deleted", () -> {
            Leftovers now = look.get();
            return now.pods().isEmpty() && now.secrets().isEmpty() ? Optional.of(true) : Optional.empty();
        });
        return look.get();
    }

    private ChaosReport report(Map<String, NixBuild> ended, AttemptCensus census, Leftovers leftovers,
            double chaosSeconds, double buildsSeconds, double totalSeconds) {
        Map<String, ChaosReport.BuildEnd> builds = new LinkedHashMap<>();
        ended.forEach((name, build) -> builds.put(name, ChaosReport.BuildEnd.of(name, build,
                hits.getOrDefault(name, 0), deletedAttempts.getOrDefault(name, List.of()))));
        return new ChaosReport(options, List.copyOf(builds.values()), kills, cluster.restarts(cluster.operator()),
                deletes, cuts, census.doubled(), census.maxPodsPerAttempt(), census.podsSeen(), leftovers.pods(),
                leftovers.secrets(), chaosSeconds, buildsSeconds, totalSeconds, List.copyOf(problems));
    }

    /**
     * Polls {@code condition} until it has a value; after {@link #STUCK} records the run as stuck and returns empty.
     */
    private <T> Optional<T> await(String what, Supplier<Optional<T>> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(STUCK);
        while (true) {
            Optional<T> value = condition.get();
            if (value.isPresent()) {
                return value;
            }
            if (Instant.now().isAfter(deadline)) {
                problems.add("stuck: waited " + STUCK.toMinutes() + " min for " + what + " (" + elapsedText() + ")");
                progress.println("stuck: waited for " + what);
                return Optional.empty();
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private double elapsed() {
        return seconds(runStart);
    }

    private String elapsedText() {
        return String.format(Locale.ROOT, "at %.1f s", elapsed());
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private void deleteGates() {
        if (gateDir == null) {
            return;
        }
        try (Stream<Path> files = Files.list(gateDir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(gateDir);
        } catch (IOException e) {
            progress.println("cannot remove the gates in " + gateDir + ": " + e.getMessage());
        }
    }
}
