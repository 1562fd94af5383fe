package dev.nixpool.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.nixpool.runtime.BuilderRuntimeConfig.LoopbackRange;
import dev.nixpool.runtime.LocalNode;
import dev.nixpool.runtime.Niceness;

/**
 * What a {@link LocalCluster} runs.
 *
 * @param quarkusRunJar the packaged operator, {@code operator/target/quarkus-app/quarkus-run.jar}
 * @param entrypoint the builder image's entrypoint, {@code images/builder/entrypoint.sh}
 * @param crdDir the CRDs to store in the API server, {@code crds/}
 * @param parentDir where the cluster's own work directory is created (and removed at close); anywhere for tests (the
 *        builders' sshd runs with StrictModes off), somewhere no other user can write for real keys (local mode checks)
 * @param operatorLog where the operator's output goes; null keeps it in the work directory (removed at close)
 * @param addresses the loopback addresses the builder runtime hands out as pod IPs
 * @param operatorProperties operator settings on top of {@link #DEFAULT_OPERATOR_PROPERTIES}
 * @param apiServerPort the API server's port on 127.0.0.1; 0 picks a free one
 * @param operatorReplicas operator processes (replicas of its Deployment); they elect a leader on a Lease
 * @param nodeLabelChanges changes to the labels of the node the builder runtime plays ({@code KEY=VALUE} sets,
 *        {@code KEY-} removes), on top of {@link LocalNode#detect()}
 * @param nodeTaints taints of that node, {@code KEY[=VALUE]:EFFECT}
 * @param builderNiceness the CPU priority of the builder pods' processes ({@link Niceness}); 0 in local mode, where a
 *        build's latency depends on its builder getting the CPU at once
 * @param operatorNiceness the operator processes' CPU priority; 0 in local mode
 */
public record LocalClusterConfig(Path quarkusRunJar, Path entrypoint, Path crdDir, Path parentDir, Path operatorLog,
        LoopbackRange addresses, Map<String, String> operatorProperties, int apiServerPort,
        Duration operatorReadyTimeout, int operatorReplicas, List<String> nodeLabelChanges, List<String> nodeTaints,
        int builderNiceness, int operatorNiceness) {

    /**
     * Settings local mode needs on top of the packaged application.properties (builders run as the cluster default, the
     * non-root uid 10001 that the builder runtime switches to, so local mode proves the default path): builds that wait are looked at more often than in a cluster, since a laptop has no other work for the operator.
     * The leader Lease is shorter than in a cluster (a killed leader's standby takes over within 10 s, not 15 s): the
     * API server is in the same machine, so a renewal takes a millisecond, and 7 s without one means a stuck process.
     */
    public static final Map<String, String> DEFAULT_OPERATOR_PROPERTIES = Map.of(
            "nixpool.scheduling.pending-requeue", "5s",
            "nixpool.scheduling.builder-requeue", "2s",
            "nixpool.leader-election.lease-duration", "10s",
            "nixpool.leader-election.renew-deadline", "7s",
            "nixpool.leader-election.retry-period", "1s",
            "quarkus.banner.enabled", "false");

    /** Each replica is a JVM of up to 256 MiB of heap on a machine that also runs the builders. */
    public static final int MAX_OPERATOR_REPLICAS = 5;

    /**
     * The heap the operator is meant to run in (issue 13: 10,000 NixBuilds within -Xmx256m) and the serial collector: the
     * operator shares the machine with builders and the API server.
     */
    static final List<String> OPERATOR_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC");

    /** The JVM options every operator process of a local cluster runs with (a heap limit among them). */
    public static List<String> operatorJvmOptions() {
        return OPERATOR_JVM_OPTIONS;
    }

    public LocalClusterConfig {
        Objects.requireNonNull(quarkusRunJar, "quarkusRunJar");
        Objects.requireNonNull(entrypoint, "entrypoint");
        Objects.requireNonNull(crdDir, "crdDir");
        Objects.requireNonNull(parentDir, "parentDir");
        Objects.requireNonNull(addresses, "addresses");
        Objects.requireNonNull(operatorReadyTimeout, "operatorReadyTimeout");
        operatorProperties = Map.copyOf(operatorProperties);
        nodeLabelChanges = List.copyOf(nodeLabelChanges);
        nodeTaints = List.copyOf(nodeTaints);
        node(nodeLabelChanges, nodeTaints);
        Niceness.require(builderNiceness, "builderNiceness");
        Niceness.require(operatorNiceness, "operatorNiceness");
        if (apiServerPort < 0 || apiServerPort > 65535) {
            throw new IllegalArgumentException(
                    "apiServerPort must be 0 (any free port) or 1-65535, got " + apiServerPort);
        }
        if (operatorReplicas < 1 || operatorReplicas > MAX_OPERATOR_REPLICAS) {
            throw new IllegalArgumentException("operatorReplicas must be 1-" + MAX_OPERATOR_REPLICAS + ", got "
                    + operatorReplicas);
        }
    }

    /** The repository: {@code -Dnixpool.repo.root} (the launcher sets it), else the current directory. */
    public static Path repoRoot() {
        return Path.of(System.getProperty("nixpool.repo.root", ".")).toAbsolutePath().normalize();
    }

    /** The repository's built operator, builder entrypoint and CRDs; work directory under {@code parentDir}. */
    public static LocalClusterConfig fromRepository(Path repoRoot, Path parentDir) {
        Path root = repoRoot.toAbsolutePath().normalize();
        return new LocalClusterConfig(root.resolve("operator/target/quarkus-app/quarkus-run.jar"),
                root.resolve("images/builder/entrypoint.sh"), root.resolve("crds"), parentDir, null,
                new LoopbackRange(2, 254), Map.of(), 0, Duration.ofSeconds(90), 1, List.of(), List.of(),
                Niceness.NORMAL, Niceness.NORMAL);
    }

    public LocalClusterConfig withAddresses(int first, int last) {
        return new LocalClusterConfig(quarkusRunJar, entrypoint, crdDir, parentDir, operatorLog,
                new LoopbackRange(first, last), operatorProperties, apiServerPort, operatorReadyTimeout,
                operatorReplicas, nodeLabelChanges, nodeTaints,
                builderNiceness, operatorNiceness);
    }

    public LocalClusterConfig withOperatorLog(Path log) {
        return new LocalClusterConfig(quarkusRunJar, entrypoint, crdDir, parentDir, log, addresses,
                operatorProperties, apiServerPort, operatorReadyTimeout, operatorReplicas, nodeLabelChanges,
                nodeTaints, builderNiceness, operatorNiceness);
    }

    public LocalClusterConfig withOperatorProperty(String key, String value) {
        Map<String, String> properties = new LinkedHashMap<>(operatorProperties);
        properties.put(key, value);
        return new LocalClusterConfig(quarkusRunJar, entrypoint, crdDir, parentDir, operatorLog, addresses,
                properties, apiServerPort, operatorReadyTimeout, operatorReplicas, nodeLabelChanges, nodeTaints,
                builderNiceness, operatorNiceness);
    }

    public LocalClusterConfig withApiServerPort(int port) {
        return new LocalClusterConfig(quarkusRunJar, entrypoint, crdDir, parentDir, operatorLog, addresses,
                operatorProperties, port, operatorReadyTimeout, operatorReplicas, nodeLabelChanges, nodeTaints,
                builderNiceness, operatorNiceness);
    }

    public LocalClusterConfig withOperatorReplicas(int replicas) {
        return new LocalClusterConfig(quarkusRunJar, entrypoint, crdDir, parentDir, operatorLog, addresses,
                operatorProperties, apiServerPort, operatorReadyTimeout, replicas, nodeLabelChanges, nodeTaints,
                builderNiceness, operatorNiceness);
    }

    public LocalClusterConfig withNode(List<String> labelChanges, List<String> taints) {
        return new LocalClusterConfig(quarkusRunJar, entrypoint, crdDir, parentDir, operatorLog, addresses,
                operatorProperties, apiServerPort, operatorReadyTimeout, operatorReplicas, labelChanges, taints,
                builderNiceness, operatorNiceness);
    }

    /** The builder pods' and the operator's CPU priorities ({@link Niceness}), e.g. to stand them on other nodes. */
    public LocalClusterConfig withNiceness(int builders, int operators) {
        return new LocalClusterConfig(quarkusRunJar, entrypoint, crdDir, parentDir, operatorLog, addresses,
                operatorProperties, apiServerPort, operatorReadyTimeout, operatorReplicas, nodeLabelChanges, nodeTaints,
                builders, operators);
    }

    /** The node the builder runtime plays: this machine, with the configured label changes and taints. */
    public LocalNode node() {
        return node(nodeLabelChanges, nodeTaints);
    }

    private static LocalNode node(List<String> labelChanges, List<String> taints) {
        return LocalNode.detect().withLabelChanges(labelChanges).withTaints(taints);
    }

    /** The defaults with this config's properties on top. */
    Map<String, String> effectiveOperatorProperties() {
        Map<String, String> properties = new LinkedHashMap<>(DEFAULT_OPERATOR_PROPERTIES);
        properties.putAll(operatorProperties);
        return properties;
    }
}
