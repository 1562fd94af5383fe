package dev.nixpool.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link BuilderRuntime} runs builder pods on this machine.
 *
 * @param entrypoint the builder image's entrypoint, normally {@code images/builder/entrypoint.sh} of this repository
 * @param workDir where the runtime keeps one private directory per pod (keys, state, Nix store); the builders' sshd runs
 *        with StrictModes off, so it may be anywhere (a test's target/ in a clone under /tmp), but only where no other
 *        user can write should real keys be kept (local mode checks that: cli.local.StateDirectory)
 * @param addresses the loopback addresses handed out as pod IPs
 * @param stopGracePeriod how long a deleted pod's processes get between SIGTERM and SIGKILL
 * @param probePeriod how often the readiness probe tries the SSH port
 * @param node the node the runtime plays: pods whose node selector, required node affinity or tolerations do not fit it
 *        stay Pending, as kube-scheduler leaves them
 * @param niceness the CPU priority the builder pods' processes run at ({@link Niceness}): 0, as local mode runs them
 *        (a build waits for no one), unless a benchmark stands them on other nodes than the API server's
 */
public record BuilderRuntimeConfig(Path entrypoint, Path workDir, LoopbackRange addresses, Duration stopGracePeriod,
        Duration probePeriod, LocalNode node, int niceness) {

    public static final LoopbackRange DEFAULT_ADDRESSES = new LoopbackRange(2, 254);

    public BuilderRuntimeConfig {
        Objects.requireNonNull(entrypoint, "entrypoint");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(addresses, "addresses");
        requirePositive(stopGracePeriod, "stopGracePeriod");
        requirePositive(probePeriod, "probePeriod");
        Objects.requireNonNull(node, "node");
        Niceness.require(niceness, "niceness");
        entrypoint = entrypoint.toAbsolutePath().normalize();
        workDir = workDir.toAbsolutePath().normalize();
    }

    /**
     * Defaults: all of 127.0.0.2-127.0.0.254, 2 s grace period, readiness probed every 100 ms, this machine as the node
     * ({@link LocalNode#detect()}).
     */
    public static BuilderRuntimeConfig of(Path entrypoint, Path workDir) {
        return new BuilderRuntimeConfig(entrypoint, workDir, DEFAULT_ADDRESSES, Duration.ofSeconds(2),
                Duration.ofMillis(100), LocalNode.detect(), Niceness.NORMAL);
    }

    public BuilderRuntimeConfig withAddresses(int firstHost, int lastHost) {
        return new BuilderRuntimeConfig(entrypoint, workDir, new LoopbackRange(firstHost, lastHost), stopGracePeriod,
                probePeriod, node, niceness);
    }

    public BuilderRuntimeConfig withStopGracePeriod(Duration gracePeriod) {
        return new BuilderRuntimeConfig(entrypoint, workDir, addresses, gracePeriod, probePeriod, node, niceness);
    }

    public BuilderRuntimeConfig withNode(LocalNode playedNode) {
        return new BuilderRuntimeConfig(entrypoint, workDir, addresses, stopGracePeriod, probePeriod, playedNode,
                niceness);
    }

    public BuilderRuntimeConfig withNiceness(int processNiceness) {
        return new BuilderRuntimeConfig(entrypoint, workDir, addresses, stopGracePeriod, probePeriod, node,
                processNiceness);
    }

    /** Fails with a message naming the problem, so a misconfigured runtime never gets as far as starting a pod. */
    void validate() {
        if (!Files.isRegularFile(entrypoint) || !Files.isExecutable(entrypoint)) {
            throw new IllegalArgumentException(
                    "builder entrypoint " + entrypoint + " must be an executable file (images/builder/entrypoint.sh)");
        }
        if (Files.exists(workDir) && !Files.isDirectory(workDir)) {
            throw new IllegalArgumentException("work dir " + workDir + " exists and is not a directory");
        }
    }

    private static void requirePositive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + duration);
        }
    }

    /** Host parts N of 127.0.0.N, both ends included. */
    public record LoopbackRange(int first, int last) {
        public LoopbackRange {
            if (first < 1 || last > 254 || first > last) {
                throw new IllegalArgumentException(
                        "loopback range must satisfy 1 <= first <= last <= 254, got " + first + ".." + last);
            }
        }

        @Override
        public String toString() {
            return "127.0.0." + first + "-127.0.0." + last;
        }
    }
}
