package dev.nixpool.cli.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.local.LocalCluster;
import dev.nixpool.local.LocalClusterConfig;
import dev.nixpool.local.LocalGateway;
import dev.nixpool.local.OperatorProcess;
import dev.nixpool.local.apiserver.EmbeddedApiServer;
import dev.nixpool.status.Conditions;

/**
 * One foreground run of local mode: starts a {@link LocalCluster}, applies the example pools, waits until the operator
 * serves them, prints {@code export KUBECONFIG=...} as the only line on stdout and then runs until the JVM is told to
 * stop (SIGINT, SIGTERM). A shutdown hook stops the cluster completely and waits for it, so nothing outlives the JVM.
 */
final class LocalSession {

    static final Duration POOLS_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final String POOL_EXAMPLES = "glob:buildmachine-*.{yaml,yml}";

    private final PrintStream err;
    private final AtomicReference<LocalCluster> cluster = new AtomicReference<>();
    /** Counted down once start-up has succeeded or failed: the stop hook waits for it, never for a half-built cluster. */
    private final CountDownLatch settled = new CountDownLatch(1);
    private volatile boolean stopping;

    LocalSession(PrintStream err) {
        this.err = err;
    }

    /**
     * Runs until the JVM shuts down; returns only when start-up fails.
     *
     * @return 1 when the cluster could not start (everything started so far is stopped again)
     */
    int run(LocalClusterConfig config, Path examples, PrintStream out) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(config.parentDir()), "nixpool-local-stop"));
        long begin = System.nanoTime();
        String summary;
        Path kubeconfig;
        try {
            err.println("nixpool local: starting the API server, the builder runtime and the operator ...");
            LocalCluster started = LocalCluster.start(config);
            cluster.set(started);
            List<String> pools = applyPools(started.client(), examples);
            awaitPoolsReady(started.client(), pools);
            LocalGateway gateway = gateway(config, started);
            // read while the cluster surely runs: once settled, a signal may stop it at any moment
            summary = describe(started, pools, (System.nanoTime() - begin) / 1e9) + gatewaySummary(gateway);
            kubeconfig = started.kubeconfig();
        } catch (RuntimeException e) {
            if (!stopping) {
                err.println("nixpool local: could not start: " + e.getMessage());
                closeCluster();
            }
            return 1;
        } finally {
            settled.countDown();
        }
        err.print(summary);
        err.flush();
        out.println("export KUBECONFIG=" + kubeconfig);
        out.flush();
        awaitShutdown();
        return 0;
    }

    /** The gateway's client files, when the operator runs one (a single replica). */
    private static LocalGateway gateway(LocalClusterConfig config, LocalCluster started) {
        Map<String, String> properties = config.operatorProperties();
        if (!"true".equals(properties.get(LocalGateway.PROPERTY_ENABLED))) {
            return null;
        }
        return LocalGateway.setUp(started.client(), EmbeddedApiServer.DEFAULT_NAMESPACE,
                started.workDir().resolve("gateway"), Integer.parseInt(properties.get(LocalGateway.PROPERTY_PORT)));
    }

    private static String gatewaySummary(LocalGateway gateway) {
        if (gateway == null) {
            return "";
        }
        return String.format(Locale.ROOT, """
                Use it from Nix (the gateway on 127.0.0.1:%d; ssh_config and machines in %s):
                  %s
                  nix store ping --store ssh://auto@%s   (with the same NIX_SSHOPTS)
                """, gateway.port(), gateway.dir(), gateway.nixBuildCommand(), LocalGateway.HOST_ALIAS);
    }

    /** The pools of {@code examples/buildmachine-*.yaml}, created in the namespace kubectl uses by default. */
    private static List<String> applyPools(KubernetesClient client, Path examples) {
        var matcher = examples.getFileSystem().getPathMatcher(POOL_EXAMPLES);
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(examples)) {
            for (Path file : files.filter(f -> matcher.matches(f.getFileName())).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    BuildMachine machine = client.getKubernetesSerialization().unmarshal(in, BuildMachine.class);
                    machine.getMetadata().setNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE);
                    client.resource(machine).create();
                    names.add(machine.getMetadata().getName());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the example pools in " + examples, e);
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("no example pools (buildmachine-*.yaml) in " + examples);
        }
        return names;
    }

    /** Until the operator has reconciled every pool: Ready=True for its current generation. */
    private void awaitPoolsReady(KubernetesClient client, List<String> pools) {
        long deadline = System.nanoTime() + POOLS_READY_TIMEOUT.toNanos();
        List<String> waiting = pools;
        while (true) {
            waiting = waiting.stream().filter(name -> !isReady(client.resources(BuildMachine.class)
                    .inNamespace(EmbeddedApiServer.DEFAULT_NAMESPACE).withName(name).get())).toList();
            if (waiting.isEmpty()) {
                return;
            }
            if (stopping) {
                throw new IllegalStateException("stopped while waiting for the pools");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the operator did not report the pools " + waiting + " Ready within "
                        + POOLS_READY_TIMEOUT.toSeconds() + " s; see its log " + cluster.get().operator().logFile());
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the pools", e);
            }
        }
    }

    private static boolean isReady(BuildMachine machine) {
        return machine != null && machine.getStatus() != null
                && machine.getMetadata().getGeneration().equals(machine.getStatus().getObservedGeneration())
                && Conditions.isTrue(machine.getStatus().getConditions(), Names.CONDITION_READY);
    }

    private static String describe(LocalCluster started, List<String> pools, double seconds) {
        return String.format(Locale.ROOT, """
                nixpool local: ready in %.1f s
                  API server    %s (in memory: everything is gone at stop)
                  pools         %s (examples/buildmachine-*.yaml, namespace %s)
                %s  state         %s (removed at stop)
                Use the cluster from another shell with the export line below, e.g.
                  kubectl apply -f examples/nixbuild-hello-expression.yaml
                  kubectl wait --for=condition=Succeeded nixbuild/hello --timeout=120s
                  ./nixpool logs hello -f
                Ctrl-C (or SIGTERM) stops everything.
                """, seconds, started.apiServer().url(), String.join(", ", pools),
                EmbeddedApiServer.DEFAULT_NAMESPACE, operators(started), started.workDir());
    }

    /** One operator as before; several replicas with their names, the Lease they elect on and a log each. */
    private static String operators(LocalCluster started) {
        List<OperatorProcess> operators = started.operators();
        if (operators.size() == 1) {
            OperatorProcess operator = operators.get(0);
            return String.format(Locale.ROOT, """
                      operator      process %d, %s (health: /q/health/ready), metrics %s/q/metrics
                      operator log  %s
                    """, operator.pid(), operator.httpUrl(), operator.managementUrl(), operator.logFile());
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "  operators     %d replicas electing a leader on Lease %s (kubectl get lease)%n", operators.size(),
                started.leaseName()));
        for (OperatorProcess operator : operators) {
            b.append(String.format(Locale.ROOT, "  %-13s process %d, %s, metrics %s/q/metrics, identity %s, log %s%n",
                    operator.name(), operator.pid(), operator.httpUrl(), operator.managementUrl(), operator.identity(),
                    operator.logFile()));
        }
        return b.toString();
    }

    /** The main thread's part is done: the JVM ends on a signal, after {@link #stop(Path)}. */
    private static void awaitShutdown() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The shutdown hook: waits for start-up to settle, stops the cluster and waits until it is gone. */
    private void stop(Path stateDir) {
        stopping = true;
        boolean interrupted = false;
        while (true) {
            try {
                settled.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (cluster.get() != null) {
            err.println("nixpool local: stopping the operator, the builders and the API server ...");
            if (closeCluster()) {
                err.println("nixpool local: stopped; no process, mount or directory of this run is left");
            }
        }
        removeIfEmpty(stateDir);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether the cluster stopped cleanly (false also when another thread had already stopped it) */
    private boolean closeCluster() {
        LocalCluster running = cluster.getAndSet(null);
        if (running == null) {
            return false;
        }
        try {
            running.close();
            return true;
        } catch (RuntimeException e) {
            err.println("nixpool local: " + e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause()));
            return false;
        }
    }

    /** The state directory goes too when no other run uses it, so a stopped run leaves the repository as it was. */
    private void removeIfEmpty(Path stateDir) {
        try {
            Files.deleteIfExists(stateDir);
        } catch (DirectoryNotEmptyException e) {
            // another run's directory, or an operator log kept there on purpose
        } catch (IOException e) {
            err.println("nixpool local: cannot remove the empty state directory " + stateDir + ": " + e);
        }
    }
}
