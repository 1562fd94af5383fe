package dev.nixpool.lifecycle;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;

/** What a builder pod's state means for its build. */
final class BuilderPodState {

    private BuilderPodState() {
    }

    /** Why the pod can no longer serve its build (gone, ended, being deleted); empty while it can. */
    static Optional<String> lost(Optional<Pod> pod, String podName) {
        if (pod.isEmpty()) {
            return Optional.of("builder pod " + podName + " no longer exists");
        }
        String phase = pod.get().getStatus() != null ? pod.get().getStatus().getPhase() : null;
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            String reason = pod.get().getStatus().getReason();
            return Optional.of("builder pod " + podName + " ended in phase " + phase
                    + (reason != null ? " (" + reason + ")" : ""));
        }
        if (pod.get().getMetadata().getDeletionTimestamp() != null) {
            return Optional.of("builder pod " + podName + " is being deleted");
        }
        return Optional.empty();
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
