package dev.nixpool.runtime;

/**
 * A pod this runtime cannot run as asked. The runtime marks it Failed with {@link #reason()} and the message, the way a
 * kubelet reports a pod it cannot create a container for.
 */
final class PodRejectedException extends Exception {

    private final String reason;

    PodRejectedException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** A CamelCase reason for the pod status, as Kubernetes uses them. */
    String reason() {
        return reason;
    }
}
