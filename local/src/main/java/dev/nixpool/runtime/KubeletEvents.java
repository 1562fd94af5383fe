package dev.nixpool.runtime;

import java.time.Instant;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The Warning Events a kubelet writes on a pod whose image it cannot pull: reason {@code Failed}, source component
 * {@code kubelet} on the node ({@code kubectl describe}'s "From"), the message naming the image and why.
 */
final class KubeletEvents {

    private final KubernetesClient client;
    private final String nodeName;

    KubeletEvents(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    void failed(Pod pod, String message) {
        PodWarningEvents.record(client, pod, render(pod, message, Instant.now(), nodeName));
    }

    static Event render(Pod pod, String message, Instant now, String nodeName) {
        return PodWarningEvents.about(pod, "Failed", message, now).editInvolvedObject()
                .withFieldPath("spec.containers{" + pod.getSpec().getContainers().get(0).getName() + "}")
                .endInvolvedObject()
                .withReportingComponent("kubelet").withReportingInstance(nodeName)
                .withNewSource().withComponent("kubelet").withHost(nodeName).endSource().build();
    }
}
