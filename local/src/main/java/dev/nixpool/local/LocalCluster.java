package dev.nixpool.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.nixpool.local.apiserver.EmbeddedApiServer;
import dev.nixpool.runtime.BuilderRuntime;
import dev.nixpool.runtime.BuilderRuntimeConfig;

/**
 * A whole Nixpool on this machine: the embedded API server with the CRDs, a kubeconfig for it (kubectl works with it), the builder runtime
 * (which runs builder pods as local sshd + Nix processes) and the operator as a separate process. Used by the scenario
 * tests, the lifecycle benchmark and local mode. {@link #close()} leaves no process, mount or directory behind.
 */
public final class LocalCluster implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalCluster.class);
    static final String BUILD_LOG_DIR = "nixpool.logs.dir";

    private final Path workDir;
    private EmbeddedApiServer apiServer;
    private Path kubeconfig;
    private BuilderRuntime runtime;
    private OperatorProcess operator;

    private LocalCluster(Path workDir) {
        this.workDir = workDir;
    }

    /** Starts everything and returns once the operator is ready; on failure, stops what had started. */
    public static LocalCluster start(LocalClusterConfig config) {
        Path workDir;
        try {
            Files.createDirectories(config.parentDir());
            workDir = Files.createTempDirectory(config.parentDir().toAbsolutePath(), "local-cluster-");
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
                        .withAddresses(config.addresses().first(), config.addresses().last()));
        runtime.start();
        Path log = config.operatorLog() != null ? config.operatorLog() : workDir.resolve("operator.log");
        // build logs live and die with this cluster, not in the operator's default under /tmp
        Map<String, String> properties = new LinkedHashMap<>(Map.of(BUILD_LOG_DIR, workDir.resolve("build-logs")
                .toString()));
        properties.putAll(config.effectiveOperatorProperties());
        operator = new OperatorProcess(new OperatorProcess.Settings(config.quarkusRunJar(), kubeconfig, log,
                properties, LocalClusterConfig.OPERATOR_JVM_OPTIONS,
                config.operatorReadyTimeout(), Duration.ofSeconds(20)));
        operator.start();
        OperatorService.register(apiServer.client(), operator.httpUrl());
        LOG.infof("local cluster up: API server %s, kubeconfig %s, operator %s", apiServer.url(), kubeconfig,
                operator.httpUrl());
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

    public OperatorProcess operator() {
        return operator;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public Path workDir() {
        return workDir;
    }

    /**
     * Stops the operator first (so it does not react to its builders going away), then the builder runtime (which
     * kills every builder and removes their stores), then the API server, and removes the work directory.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable part : new AutoCloseable[]{operator, runtime, apiServer}) {
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
