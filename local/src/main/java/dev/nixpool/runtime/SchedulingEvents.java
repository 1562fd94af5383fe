package dev.nixpool.runtime;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The Warning Event kube-scheduler writes on a pod it cannot place: reason {@code FailedScheduling}, action
 * {@code Scheduling}, reporting controller {@code default-scheduler} (also as {@code source.component}, which
 * {@code kubectl describe} shows as "From"), named as client-go names events ({@code <pod>.<hex nanoseconds>}).
 */
final class SchedulingEvents {

    /** metav1.MicroTime's RFC 3339 form with microseconds. */
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final KubernetesClient client;
    private final String reportingInstance;

    SchedulingEvents(KubernetesClient client, String nodeName) {
        this.client = client;
        this.reportingInstance = SchedulerMessages.SCHEDULER_NAME + "-" + nodeName;
    }

    void failedScheduling(Pod pod, String message) {
        PodWarningEvents.record(client, pod, render(pod, message, Instant.now(), reportingInstance));
    }

    static Event render(Pod pod, String message, Instant now, String reportingInstance) {
        return PodWarningEvents.about(pod, SchedulerMessages.EVENT_REASON, message, now)
                .withAction("Scheduling").withReportingComponent(SchedulerMessages.SCHEDULER_NAME)
                .withReportingInstance(reportingInstance).withNewSource()
                .withComponent(SchedulerMessages.SCHEDULER_NAME).endSource()
                .withEventTime(new MicroTime(MICRO_TIME.format(now))).build();
    }
}
