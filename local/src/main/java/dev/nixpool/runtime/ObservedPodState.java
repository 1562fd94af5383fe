package dev.nixpool.runtime;

import java.time.Instant;

/**
 * What the runtime knows about one pod at one moment; {@link PodStatusRenderer} turns it into a Kubernetes pod status.
 * Immutable, so a status write never sees a half-updated state.
 */
record ObservedPodState(Stage stage, String containerName, String image, Instant scheduledAt, String podIp, Long pid,
        Instant startedAt, Instant readyAt, Instant finishedAt, Integer exitCode, String reason, String message) {

    enum Stage {
        /** no loopback address free: Pending, PodScheduled=False, as a cluster with no room would report */
        UNSCHEDULABLE,
        /** address and directories being prepared, process not started yet: Pending, ContainerCreating */
        CREATING,
        /** scheduled, but its image is not one the runtime has ({@link ImageCatalog}): Pending, container waiting */
        IMAGE_UNAVAILABLE,
        /** process started, SSH port not answering yet */
        RUNNING,
        /** SSH port accepts TCP connections */
        READY,
        /** process exited: Succeeded or Failed with its exit code */
        TERMINATED,
        /** never started: bad spec or missing Secret; Failed with a reason and message */
        REJECTED,
        /** the runtime was closed under a running pod */
        SHUT_DOWN
    }

    static ObservedPodState scheduled(String containerName, String image) {
        return new ObservedPodState(Stage.CREATING, containerName, image, now(), null, null, null, null, null, null,
                null, null);
    }

    ObservedPodState unschedulable(String why) {
        return new ObservedPodState(Stage.UNSCHEDULABLE, containerName, image, scheduledAt, null, null, null, null,
                null, null, "Unschedulable", why);
    }

    ObservedPodState imageUnavailable(String why, String text) {
        return new ObservedPodState(Stage.IMAGE_UNAVAILABLE, containerName, image, scheduledAt, null, null, null, null,
                null, null, why, text);
    }

    ObservedPodState creating(String address) {
        return new ObservedPodState(Stage.CREATING, containerName, image, scheduledAt, address, null, null, null, null,
                null, null, null);
    }

    ObservedPodState running(long processId) {
        return new ObservedPodState(Stage.RUNNING, containerName, image, scheduledAt, podIp, processId, now(), null,
                null, null, null, null);
    }

    ObservedPodState ready() {
        return new ObservedPodState(Stage.READY, containerName, image, scheduledAt, podIp, pid, startedAt, now(), null,
                null, null, null);
    }

    ObservedPodState terminated(int code, String lastOutput) {
        return new ObservedPodState(Stage.TERMINATED, containerName, image, scheduledAt, podIp, pid, startedAt,
                readyAt, now(), code, code == 0 ? "Completed" : "Error", lastOutput);
    }

    ObservedPodState rejected(String why, String text) {
        return new ObservedPodState(Stage.REJECTED, containerName, image, scheduledAt, podIp, null, null, null, now(),
                null, why, text);
    }

    ObservedPodState shutDown(int code) {
        return new ObservedPodState(Stage.SHUT_DOWN, containerName, image, scheduledAt, podIp, pid, startedAt, readyAt,
                now(), code, "Terminated", "the builder runtime was closed; its processes were stopped");
    }

    boolean isFinal() {
        return stage == Stage.TERMINATED || stage == Stage.REJECTED || stage == Stage.SHUT_DOWN;
    }

    /** Kubernetes timestamps have whole seconds. */
    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }
}
