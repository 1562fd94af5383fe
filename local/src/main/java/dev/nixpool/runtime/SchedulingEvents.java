package dev.nixpool.runtime;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The Warning Event kube-scheduler writes on a pod it cannot place: reason {@code FailedScheduling}, action
 * {@code Scheduling}, reporting controller {@code default-scheduler} (also as {@code source.component}, which
 * {@code kubectl describe} shows as "From"), named as client-go names events ({@code <pod>.<hex nanoseconds>}).
 */
final class SchedulingEvents {

    private static final Logger LOG = Logger.getLogger(SchedulingEvents.class);

    /** metav1.MicroTime's RFC 3339 form with microseconds. */
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final KubernetesClient client;
    private final String reportingInstance;

    SchedulingEvents(KubernetesClient client, String nodeName) {
        this.client = client;
        this.reportingInstance = SchedulerMessages.SCHEDULER_NAME + "-" + nodeName;
    }

    /** Best effort, as in the scheduler: a lost event must not keep the pod from its status. */
    void failedScheduling(Pod pod, String message) {
        try {
            client.v1().events().inNamespace(pod.getMetadata().getNamespace()).resource(render(pod, message,
                    Instant.now(), reportingInstance)).create();
        } catch (KubernetesClientException e) {
            LOG.warnf(e, "cannot record FailedScheduling on pod %s/%s", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName());
        }
    }

    static Event render(Pod pod, String message, Instant now, String reportingInstance) {
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String seconds = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return new EventBuilder().withNewMetadata()
                .withName(pod.getMetadata().getName() + "." + Long.toHexString(nanos))
                .withNamespace(pod.getMetadata().getNamespace()).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod")
                .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).withResourceVersion(pod.getMetadata().getResourceVersion())
                .endInvolvedObject()
                .withType("Warning").withReason(SchedulerMessages.EVENT_REASON).withMessage(message)
                .withAction("Scheduling").withReportingComponent(SchedulerMessages.SCHEDULER_NAME)
                .withReportingInstance(reportingInstance).withNewSource()
                .withComponent(SchedulerMessages.SCHEDULER_NAME).endSource()
                .withEventTime(new MicroTime(MICRO_TIME.format(now)))
                .withFirstTimestamp(seconds).withLastTimestamp(seconds).withCount(1).build();
    }
}
