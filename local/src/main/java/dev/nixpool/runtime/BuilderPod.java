package dev.nixpool.runtime;

/**
 * The runtime's mutable record of one pod. Every field is guarded by the object's monitor, which also serialises the
 * pod's status writes, so a late readiness result can never overwrite the final status.
 */
final class BuilderPod {

    final String namespace;
    final String name;
    final String uid;

    /** the pod as first seen; kept while it waits to be scheduled, since a retry has no fresh copy */
    io.fabric8.kubernetes.api.model.Pod manifest;
    /** the last FailedScheduling message, so a retry that fails the same way records no second Event */
    String schedulingMessage;
    BuilderPodSpec spec;
    ObservedPodState state;
    String address;
    PodDirectories dirs;
    /** the host directory that is the pod's /nix (its own, or a volume's); null for a tmpfs */
    java.nio.file.Path storeRoot;
    BuilderProcess process;
    /** set once the pod is deleted or the runtime closes; nothing may start or report after that */
    boolean stopping;

    BuilderPod(String namespace, String name, String uid) {
        this.namespace = namespace;
        this.name = name;
        this.uid = uid;
    }

    String displayName() {
        return namespace + "/" + name;
    }
}
