package dev.nixpool.reading;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Why the operator could not read an object of its own kinds, for the version it last saw. The informers hold such an
 * object with its metadata only (no spec, no status), so the reconcilers find the reason here, and the raw status the
 * object had, to add a condition to it without the typed object.
 */
@ApplicationScoped
public class UnreadableObjects {

    /** The version read, why it could not be read, and its raw status (null when it had none). */
    public record Unreadable(String resourceVersion, String reason, JsonNode rawStatus) {
    }

    private final Map<String, Unreadable> byObject = new ConcurrentHashMap<>();

    /** The reason for exactly this version of the object: a newer version may be readable again. */
    public Optional<Unreadable> of(HasMetadata object) {
        Unreadable unreadable = byObject.get(key(object.getKind(), object.getMetadata().getNamespace(),
                object.getMetadata().getName()));
        return Optional.ofNullable(unreadable)
                .filter(u -> u.resourceVersion() != null
                        && u.resourceVersion().equals(object.getMetadata().getResourceVersion()));
    }

    void record(String kind, String namespace, String name, Unreadable unreadable) {
        byObject.put(key(kind, namespace, name), unreadable);
    }

    /** A readable version other than the recorded one (not a copy of the unreadable one) ends the record. */
    void readable(String kind, String namespace, String name, String resourceVersion) {
        byObject.computeIfPresent(key(kind, namespace, name),
                (k, u) -> u.resourceVersion() != null && u.resourceVersion().equals(resourceVersion) ? u : null);
    }

    /** The object is gone. */
    public void forget(HasMetadata object) {
        byObject.remove(key(object.getKind(), object.getMetadata().getNamespace(), object.getMetadata().getName()));
    }

    private static String key(String kind, String namespace, String name) {
        return kind + "/" + namespace + "/" + name;
    }
}
