package dev.nixpool.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;

import dev.nixpool.runtime.ObservedPodState.Stage;

/** Renders the pod status a kubelet would report for an {@link ObservedPodState}. */
final class PodStatusRenderer {

    static final String HOST_IP = "127.0.0.1";
    static final String CONTAINER_ID_SCHEME = "nixpool-runtime://";

    private PodStatusRenderer() {
    }

    static PodStatus render(ObservedPodState state) {
        PodStatusBuilder status = new PodStatusBuilder().withPhase(phase(state)).withConditions(conditions(state))
                .withQosClass("BestEffort");
        if (state.stage() != Stage.UNSCHEDULABLE) {
            status.withHostIP(HOST_IP).withHostIPs(new HostIP(HOST_IP)).withStartTime(time(state.scheduledAt()));
        }
        if (state.podIp() != null) {
            status.withPodIP(state.podIp()).withPodIPs(new PodIP(state.podIp()));
        }
        if (state.stage() == Stage.REJECTED || state.stage() == Stage.SHUT_DOWN) {
            status.withReason(state.reason()).withMessage(state.message());
        }
        if (state.stage() != Stage.UNSCHEDULABLE && state.containerName() != null) {
            status.withContainerStatuses(containerStatus(state));
        }
        return status.build();
    }

    private static String phase(ObservedPodState state) {
        return switch (state.stage()) {
            case UNSCHEDULABLE, CREATING, IMAGE_UNAVAILABLE -> "Pending";
            case RUNNING, READY -> "Running";
            case TERMINATED -> state.exitCode() == 0 ? "Succeeded" : "Failed";
            case REJECTED, SHUT_DOWN -> "Failed";
        };
    }

    private static List<PodCondition> conditions(ObservedPodState state) {
        String scheduled = time(state.scheduledAt());
        List<PodCondition> conditions = new ArrayList<>();
        if (state.stage() == Stage.UNSCHEDULABLE) {
            conditions.add(condition("PodScheduled", false, scheduled, state.reason(), state.message()));
            return conditions;
        }
        conditions.add(condition("PodScheduled", true, scheduled, null, null));
        conditions.add(condition("Initialized", true, scheduled, null, null));
        boolean ready = state.stage() == Stage.READY;
        String since = ready
                ? time(state.readyAt())
                : state.finishedAt() != null ? time(state.finishedAt()) : scheduled;
        String reason = ready ? null : state.isFinal() ? "PodCompleted" : "ContainersNotReady";
        conditions.add(condition("ContainersReady", ready, since, reason, null));
        conditions.add(condition("Ready", ready, since, reason, null));
        return conditions;
    }

    private static PodCondition condition(String type, boolean value, String since, String reason, String message) {
        return new PodConditionBuilder().withType(type).withStatus(value ? "True" : "False")
                .withLastTransitionTime(since).withReason(reason).withMessage(message).build();
    }

    private static ContainerStatus containerStatus(ObservedPodState state) {
        boolean started = state.stage() == Stage.RUNNING || state.stage() == Stage.READY;
        ContainerStatusBuilder status = new ContainerStatusBuilder().withName(state.containerName())
                .withImage(state.image() == null ? "" : state.image()).withImageID("").withRestartCount(0)
                .withReady(state.stage() == Stage.READY).withStarted(started).withState(containerState(state));
        if (state.pid() != null) {
            status.withContainerID(CONTAINER_ID_SCHEME + state.pid());
        }
        return status.build();
    }

    private static ContainerState containerState(ObservedPodState state) {
        return switch (state.stage()) {
            case UNSCHEDULABLE, CREATING -> new ContainerStateBuilder().withNewWaiting().withReason("ContainerCreating")
                    .endWaiting().build();
            case REJECTED, IMAGE_UNAVAILABLE -> new ContainerStateBuilder().withNewWaiting().withReason(state.reason())
                    .withMessage(state.message()).endWaiting().build();
            case RUNNING, READY -> new ContainerStateBuilder().withNewRunning().withStartedAt(time(state.startedAt()))
                    .endRunning().build();
            case TERMINATED, SHUT_DOWN -> new ContainerStateBuilder().withNewTerminated().withExitCode(state.exitCode())
                    .withReason(state.reason()).withMessage(emptyToNull(state.message()))
                    .withStartedAt(time(state.startedAt())).withFinishedAt(time(state.finishedAt()))
                    .withContainerID(state.pid() == null ? null : CONTAINER_ID_SCHEME + state.pid()).endTerminated()
                    .build();
        };
    }

    private static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }

    private static String time(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
