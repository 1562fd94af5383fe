package dev.nixpool.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * A builder pod whose processes are running, as tests and local mode see it.
 *
 * @param podIp the loopback address sshd listens on
 * @param processIds unshare (the container's main process) and every process below it, at the time of the call
 * @param stateDir the pod's {@code NIXPOOL_STATE_DIR}; unique per pod, so {@code pgrep -f} on it finds its sshd
 * @param storeDir the pod's own Nix store as the host sees it (the pod sees it as /nix/store)
 * @param podDir the pod's private directory, removed when the pod stops
 * @param sshLogins logins the pod's sshd accepted so far (its log's "Accepted publickey" lines): SSH connections made
 */
public record LiveBuilder(String namespace, String name, String uid, String podIp, int sshPort, List<Long> processIds,
        Path stateDir, Path storeDir, Path podDir, int sshLogins) {
}
