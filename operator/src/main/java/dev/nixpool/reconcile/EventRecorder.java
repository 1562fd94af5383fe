package dev.nixpool.reconcile;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.Names;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;
import dev.nixpool.status.StatusText;

/** Kubernetes Events (core/v1) for what a user should see in {@code kubectl describe}. */
@ApplicationScoped
public class EventRecorder {

    static final String COMPONENT = "nixpool-operator";
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    private final KubernetesClient client;
    private final AtomicLong sequence = new AtomicLong();

    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    public void normal(HasMetadata object, Reason reason, String message) {
        record(object, "Normal", reason, message);
    }

    public void warning(HasMetadata object, Reason reason, String message) {
        record(object, "Warning", reason, message);
    }

    /** An Event is information, not state: failing to write one must not fail the reconcile. */
    private void record(HasMetadata object, String type, Reason reason, String message) {
        String now = Conditions.timestamp(Instant.now());
        String name = Names.eventName(object.getMetadata().getName(),
                Long.toHexString(System.nanoTime()) + Long.toHexString(sequence.incrementAndGet()));
        try {
            client.v1().events().inNamespace(object.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(object.getMetadata().getNamespace())
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(object.getApiVersion())
                            .withKind(object.getKind())
                            .withName(object.getMetadata().getName())
                            .withNamespace(object.getMetadata().getNamespace())
                            .withUid(object.getMetadata().getUid())
                            .withResourceVersion(object.getMetadata().getResourceVersion())
                            .build())
                    .withType(type)
                    .withReason(reason.value())
                    .withMessage(StatusText.bounded(message, StatusText.EVENT_MESSAGE))
                    .withNewSource(COMPONENT, null)
                    .withReportingComponent(COMPONENT)
                    .withFirstTimestamp(now)
                    .withLastTimestamp(now)
                    .withCount(1)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf(e, "could not record %s event %s on %s/%s", type, reason, object.getKind(),
                    object.getMetadata().getName());
        }
    }
}
