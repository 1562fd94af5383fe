package dev.nixpool.runtime;

import java.net.HttpURLConnection;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Writes pod status through the {@code /status} subresource, as a kubelet does.
 * <p>
 * Uses {@code pods().withName(..).editStatus(..)}: it reads the latest pod and sends a JSON Patch of the status
 * difference, guarded by that read's resourceVersion. Checked against the Fabric8 7.5 mock server in CRUD mode (see
 * {@code MockServerPodStatusTest}): {@code updateStatus()} (PUT) is accepted even with a stale resourceVersion and
 * would silently undo a newer status; {@code patchStatus()} sends a JSON merge patch, which the mock applies by
 * appending arrays, so conditions and containerStatuses would pile up instead of being replaced; {@code editStatus} on
 * {@code resource(pod)} pins the resourceVersion of that (possibly old) object and fails with 409. The read-then-patch
 * form is correct on a real API server too: a concurrent write makes it fail with 409, and this class retries.
 */
final class PodStatusWriter {

    private static final Logger LOG = Logger.getLogger(PodStatusWriter.class);
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;

    PodStatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /** @return false when the pod is gone (deleted pods need no status) */
    boolean write(String namespace, String name, PodStatus status) {
        for (int attempt = 1;; attempt++) {
            try {
                client.pods().inNamespace(namespace).withName(name)
                        .editStatus(current -> new PodBuilder(current).withStatus(status).build());
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    LOG.debugf("pod %s/%s is gone, its status (phase %s) is not written", namespace, name,
                            status.getPhase());
                    return false;
                }
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
