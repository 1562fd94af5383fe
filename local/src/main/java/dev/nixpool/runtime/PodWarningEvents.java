package dev.nixpool.runtime;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * What the Warning Events the kubelet and kube-scheduler write about a pod have in common: named as client-go names
 * events ({@code <pod>.<hex nanoseconds>}), the pod as involved object, seen once at {@code now}; and the best-effort
 * write both components make (a lost event must not keep the pod from its status).
 */
final class PodWarningEvents {

    private static final Logger LOG = Logger.getLogger(PodWarningEvents.class);

    private PodWarningEvents() {
    }

    static EventBuilder about(Pod pod, String reason, String message, Instant now) {
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String seconds = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return new EventBuilder().withNewMetadata()
                .withName(pod.getMetadata().getName() + "." + Long.toHexString(nanos))
                .withNamespace(pod.getMetadata().getNamespace()).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod")
                .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).withResourceVersion(pod.getMetadata().getResourceVersion())
                .endInvolvedObject()
                .withType("Warning").withReason(reason).withMessage(message)
                .withFirstTimestamp(seconds).withLastTimestamp(seconds).withCount(1);
    }

    static void record(KubernetesClient client, Pod pod, Event event) {
        try {
            client.v1().events().inNamespace(pod.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warnf(e, "cannot record %s on pod %s/%s", event.getReason(), pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName());
        }
    }
}
