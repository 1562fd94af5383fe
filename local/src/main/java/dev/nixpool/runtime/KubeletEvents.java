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
 * The Warning Events a kubelet writes on a pod whose image it cannot pull: reason {@code Failed}, source component
 * {@code kubelet} on the node ({@code kubectl describe}'s "From"), the message naming the image and why.
 */
final class KubeletEvents {

    private static final Logger LOG = Logger.getLogger(KubeletEvents.class);

    private final KubernetesClient client;
    private final String nodeName;

    KubeletEvents(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    /** Best effort, as in the kubelet: a lost event must not keep the pod from its status. */
    void failed(Pod pod, String message) {
        try {
            client.v1().events().inNamespace(pod.getMetadata().getNamespace())
                    .resource(render(pod, message, Instant.now(), nodeName)).create();
        } catch (KubernetesClientException e) {
            LOG.warnf(e, "cannot record Failed on pod %s/%s", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName());
        }
    }

    static Event render(Pod pod, String message, Instant now, String nodeName) {
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String seconds = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return new EventBuilder().withNewMetadata()
                .withName(pod.getMetadata().getName() + "." + Long.toHexString(nanos))
                .withNamespace(pod.getMetadata().getNamespace()).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod")
                .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).withResourceVersion(pod.getMetadata().getResourceVersion())
                .withFieldPath("spec.containers{" + pod.getSpec().getContainers().get(0).getName() + "}")
                .endInvolvedObject()
                .withType("Warning").withReason("Failed").withMessage(message)
                .withReportingComponent("kubelet").withReportingInstance(nodeName)
                .withNewSource().withComponent("kubelet").withHost(nodeName).endSource()
                .withFirstTimestamp(seconds).withLastTimestamp(seconds).withCount(1).build();
    }
}
