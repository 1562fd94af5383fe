package dev.nixpool.lifecycle;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

/**
 * Why a builder pod is not Ready, in the words of the pod itself (the scheduler's condition, the kubelet's container
 * state), so that a build waiting for it says what a user must fix: a missing node label, an image that cannot be
 * pulled, a crashing builder. Empty while nothing is wrong but time (a pod being scheduled, pulled or started).
 */
public final class PodWaitReason {

    /** Container waiting reasons that do not fix themselves. */
    private static final List<String> PROBLEMS = List.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "ErrImageNeverPull", "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError",
            "RunContainerError");

    private PodWaitReason() {
    }

    public static Optional<String> of(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        Optional<PodCondition> unscheduled = orEmpty(pod.getStatus().getConditions()).stream()
                .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                .findFirst();
        if (unscheduled.isPresent()) {
            PodCondition c = unscheduled.get();
            return Optional.of("cannot be scheduled (" + orDefault(c.getReason(), "Unschedulable") + "): "
                    + orDefault(c.getMessage(), "no message from the scheduler"));
        }
        for (ContainerStatus container : orEmpty(pod.getStatus().getContainerStatuses())) {
            if (container.getState() != null && container.getState().getWaiting() != null
                    && PROBLEMS.contains(container.getState().getWaiting().getReason())) {
                String reason = container.getState().getWaiting().getReason();
                String message = container.getState().getWaiting().getMessage();
                return Optional.of("container " + container.getName() + " is waiting (" + reason + ")"
                        + (message != null ? ": " + message : ""));
            }
            if (container.getLastState() != null && container.getLastState().getTerminated() != null
                    && container.getRestartCount() != null && container.getRestartCount() > 0) {
                var terminated = container.getLastState().getTerminated();
                return Optional.of("container " + container.getName() + " restarted " + container.getRestartCount()
                        + " times, last exit code " + terminated.getExitCode()
                        + (terminated.getReason() != null ? " (" + terminated.getReason() + ")" : ""));
            }
        }
        return Optional.empty();
    }

    private static String orDefault(String value, String fallback) {
        return value != null && !value.isBlank() ? value : fallback;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list != null ? list : List.of();
    }
}
