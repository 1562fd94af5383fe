package dev.nixpool.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.local.apiserver.EmbeddedApiServer;
import dev.nixpool.runtime.BuilderRuntime;
import dev.nixpool.runtime.BuilderRuntimeConfig;

/**
 * A whole Nixpool on this machine: the embedded API server with the CRDs, a kubeconfig for it (kubectl works with it), the builder runtime
 * (which runs builder pods as local sshd + Nix processes) and the operator as one or more separate processes, the
 * replicas of its Deployment: they elect a leader on a Lease, and each is restarted when it exits although nobody
 * stopped it, as a Deployment's pod would be. Used by the scenario tests, the lifecycle benchmark and local mode.
 * {@link #close()} leaves no process, mount or directory behind.
 */
public final class LocalCluster implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalCluster.class);
    static final String BUILD_LOG_DIR = "nixpool.logs.dir";
    static final String LEASE_NAME = "nixpool.leader-election.lease-name";
    /** The operator's default (application.properties), which local mode does not change. */
    static final String DEFAULT_LEASE_NAME = "nixpool-operator";

    private final Path workDir;
    private EmbeddedApiServer apiServer;
    private Path kubeconfig;
    private BuilderRuntime runtime;
    private final List<OperatorProcess> operators = new ArrayList<>();
    private final List<OperatorSupervisor> supervisors = new ArrayList<>();
    private String leaseName;

    private LocalCluster(Path workDir) {
        this.workDir = workDir;
    }

    /** Starts everything and returns once the operator is ready; on failure, stops what had started. */
    public static LocalCluster start(LocalClusterConfig config) {
        Path workDir;
        try {
            Files.createDirectories(config.parentDir());
            workDir = Files.createTempDirectory(config.parentDir().toAbsolutePath(), "local-cluster-");
            // builder pods that run as non-root users pass through it to their own (0710) directories
            Files.setPosixFilePermissions(workDir,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory under " + config.parentDir(), e);
        }
        LocalCluster cluster = new LocalCluster(workDir);
        try {
            cluster.startParts(config);
            return cluster;
        } catch (RuntimeException e) {
            try {
                cluster.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void startParts(LocalClusterConfig config) {
        apiServer = EmbeddedApiServer.start(config.crdDir(), config.apiServerPort());
        kubeconfig = workDir.resolve("kubeconfig");
        try {
            apiServer.writeKubeconfig(kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kubeconfig " + kubeconfig, e);
        }
        runtime = new BuilderRuntime(apiServer.client(),
                BuilderRuntimeConfig.of(config.entrypoint(), workDir.resolve("runtime"))
                        .withAddresses(config.addresses().first(), config.addresses().last())
                        .withNode(config.node())
                        .withNiceness(config.builderNiceness()));
        runtime.start();
        leaseName = config.effectiveOperatorProperties().getOrDefault(LEASE_NAME, DEFAULT_LEASE_NAME);
        Path log = config.operatorLog() != null ? config.operatorLog() : workDir.resolve("operator.log");
        for (int replica = 0; replica < config.operatorReplicas(); replica++) {
            // build logs live and die with this cluster, not in the operator's default under /tmp; each replica has
            // its own, as each pod of the Deployment has its own volume
            Map<String, String> properties = new LinkedHashMap<>(Map.of(BUILD_LOG_DIR,
                    workDir.resolve(perReplica("build-logs", replica)).toString()));
            properties.putAll(config.effectiveOperatorProperties());
            OperatorProcess operator = new OperatorProcess(new OperatorProcess.Settings("operator-" + replica,
                    config.quarkusRunJar(), kubeconfig, log.resolveSibling(perReplica(log.getFileName().toString(),
                            replica)),
                    properties, LocalClusterConfig.OPERATOR_JVM_OPTIONS, config.operatorReadyTimeout(),
                    Duration.ofSeconds(20), config.operatorNiceness()));
            operators.add(operator);
            supervisors.add(new OperatorSupervisor(operator, RestartBackoff.KUBELET));
        }
        // one after the other: two JVMs starting at once on a small machine take longer than twice one
        operators.forEach(OperatorProcess::start);
        // the Service `nixpool logs` reaches through the API server's proxy; with replicas, the first one's logs (each
        // replica serves the logs it wrote, as each pod of a Deployment has its own volume)
        OperatorService.register(apiServer.client(), operators.get(0).httpUrl());
        LOG.infof("local cluster up: API server %s, kubeconfig %s, operators %s", apiServer.url(), kubeconfig,
                operators.stream().map(o -> o.httpUrl().toString()).toList());
    }

    /** The first replica keeps the plain name; the others get -1, -2, ... before the extension. */
    static String perReplica(String name, int replica) {
        if (replica == 0) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name + "-" + replica : name.substring(0, dot) + "-" + replica + name.substring(dot);
    }

    /** A client of the API server (default namespace {@value EmbeddedApiServer#DEFAULT_NAMESPACE}). */
    public KubernetesClient client() {
        return apiServer.client();
    }

    public EmbeddedApiServer apiServer() {
        return apiServer;
    }

    public BuilderRuntime runtime() {
        return runtime;
    }

    /** The Lease the operator replicas elect a leader on, in namespace {@value EmbeddedApiServer#DEFAULT_NAMESPACE}. */
    public String leaseName() {
        return leaseName;
    }

    /** The first operator replica (the only one unless more were asked for). */
    public OperatorProcess operator() {
        return operators.get(0);
    }

    /** Every operator replica, in the order they were started. */
    public List<OperatorProcess> operators() {
        return List.copyOf(operators);
    }

    /** How often the replica was restarted after an exit nobody asked for. */
    public int restarts(OperatorProcess operator) {
        return supervisors.get(operators.indexOf(operator)).restarts();
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public Path workDir() {
        return workDir;
    }

    /**
     * Stops the operators first (no restarts from then on; they do not react to their builders going away), then the
     * builder runtime (which kills every builder and removes their stores), then the API server, and removes the work
     * directory.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        List<AutoCloseable> parts = new ArrayList<>(supervisors);
        parts.addAll(operators);
        parts.add(runtime);
        parts.add(apiServer);
        for (AutoCloseable part : parts) {
            if (part == null) {
                continue;
            }
            try {
                part.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("the local cluster did not stop cleanly", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        try {
            deleteTree(workDir);
        } catch (IOException e) {
            if (failure == null) {
                failure = new UncheckedIOException("cannot remove the local cluster's work directory " + workDir, e);
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * What is left once the runtime has removed its pods' directories (and their read-only stores): the kubeconfig, the
     * log, empty directories; root removes even read-only leftovers of a runtime that could not clean up.
     */
    private static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(top)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
