package dev.nixpool.runtime;

/**
 * kube-scheduler's words for a pod it cannot place on the one node there is, as its FitError.Error() composes them
 * (Kubernetes 1.33, pkg/scheduler/framework/types.go): {@code "0/N nodes are available: <PreFilter message>."} or
 * {@code "0/N nodes are available: <count> <Filter reason>."}, then the PostFilter (preemption) plugin's message. Every
 * rejection here is UnschedulableAndUnresolvable, for which preemption says it is not helpful.
 */
final class SchedulerMessages {

    static final String REASON_UNSCHEDULABLE = "Unschedulable";
    static final String EVENT_REASON = "FailedScheduling";
    static final String SCHEDULER_NAME = "default-scheduler";

    private static final int NODES = 1;
    private static final String AVAILABLE = "0/" + NODES + " nodes are available: ";
    private static final String PREEMPTION = "preemption: " + AVAILABLE + NODES
            + " Preemption is not helpful for scheduling.";

    private SchedulerMessages() {
    }

    /** A Filter plugin rejected the node, e.g. {@link NodeFit#AFFINITY_MISMATCH}. */
    static String filterFailure(String reason) {
        return AVAILABLE + NODES + " " + reason + ". " + PREEMPTION;
    }

    /** A PreFilter plugin rejected the pod before any node was looked at (VolumeBinding: a missing claim). */
    static String preFilterFailure(String message) {
        return AVAILABLE + message + ". " + PREEMPTION;
    }

    /** VolumeBinding's PreFilter message for a claim the API server does not have: the API's NotFound error text. */
    static String claimNotFound(String claimName) {
        return preFilterFailure("persistentvolumeclaim \"" + claimName + "\" not found");
    }
}
