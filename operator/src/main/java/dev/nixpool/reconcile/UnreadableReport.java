package dev.nixpool.reconcile;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.nixpool.reading.UnreadableObjects;
import dev.nixpool.reading.UnreadableObjects.Unreadable;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;

/**
 * Tells the user about an object the operator could not read (see {@link UnreadableObjects}): a condition with reason
 * Unreadable, and a Warning Event when the condition is new. The typed object cannot be built, so the condition is
 * added to the object's raw status with a JSON Patch that keeps every other condition as it was.
 */
@ApplicationScoped
public class UnreadableReport {

    private static final Logger LOG = Logger.getLogger(UnreadableReport.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final UnreadableObjects unreadable;
    private final KubernetesClient client;
    private final EventRecorder events;

    public UnreadableReport(UnreadableObjects unreadable, KubernetesClient client, EventRecorder events) {
        this.unreadable = unreadable;
        this.client = client;
        this.events = events;
    }

    /** True when this version of the object could not be read: it was reported, and must not be acted on. */
    public boolean reported(HasMetadata object, String conditionType) {
        Optional<Unreadable> found = unreadable.of(object);
        if (found.isEmpty()) {
            return false;
        }
        String message = "the operator cannot read this " + object.getKind() + " (" + found.get().reason()
                + "); it is left alone until it changes";
        ArrayNode conditions = conditionsWithout(found.get().rawStatus(), conditionType, message);
        if (conditions == null) {
            return true;
        }
        conditions.add(condition(object, conditionType, message));
        patchConditions(object, found.get().rawStatus(), conditions);
        events.warning(object, Reason.UNREADABLE, message);
        return true;
    }

    /** The object is being deleted: its record may go. */
    public void forget(HasMetadata object) {
        unreadable.forget(object);
    }

    /** The status's other conditions, or null when the status already says exactly this. */
    private static ArrayNode conditionsWithout(JsonNode rawStatus, String type, String message) {
        ArrayNode others = JSON.arrayNode();
        JsonNode existing = rawStatus != null ? rawStatus.get("conditions") : null;
        if (existing == null || !existing.isArray()) {
            return others;
        }
        for (JsonNode condition : existing) {
            if (!type.equals(condition.path("type").asText())) {
                others.add(condition);
            } else if ("False".equals(condition.path("status").asText())
                    && Reason.UNREADABLE.value().equals(condition.path("reason").asText())
                    && message.equals(condition.path("message").asText())) {
                return null;
            }
        }
        return others;
    }

    private static ObjectNode condition(HasMetadata object, String type, String message) {
        ObjectNode condition = JSON.objectNode()
                .put("type", type)
                .put("status", "False")
                .put("reason", Reason.UNREADABLE.value())
                .put("message", message)
                .put("lastTransitionTime", Conditions.timestamp(Instant.now()));
        if (object.getMetadata().getGeneration() != null) {
            condition.put("observedGeneration", object.getMetadata().getGeneration());
        }
        return condition;
    }

    /** On failure the Event still says it; a status the API server rejects must not fail the reconcile either. */
    private void patchConditions(HasMetadata object, JsonNode rawStatus, ArrayNode conditions) {
        ObjectNode operation = JSON.objectNode().put("op", "add");
        if (rawStatus != null && rawStatus.isObject()) {
            operation.put("path", "/status/conditions").set("value", conditions);
        } else {
            operation.put("path", "/status").set("value", JSON.objectNode().set("conditions", conditions));
        }
        try {
            client.genericKubernetesResources(object.getApiVersion(), object.getKind())
                    .inNamespace(object.getMetadata().getNamespace())
                    .withName(object.getMetadata().getName())
                    .subresource("status")
                    .patch(PatchContext.of(PatchType.JSON), JSON.arrayNode().add(operation).toString());
        } catch (KubernetesClientException e) {
            LOG.warnf(e, "could not write the Unreadable condition of %s %s/%s", object.getKind(),
                    object.getMetadata().getNamespace(), object.getMetadata().getName());
        }
    }
}
