package dev.nixpool.local.apiserver;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;

/**
 * The mock server's CRUD store, which also tells listeners about every write. The mock itself only reports writes to
 * its WebSocket watches; kubectl watches over plain streamed HTTP, which {@link HttpWatches} serves from these reports.
 * <p>
 * It also finds an object by name without scanning the store: the mock answers every create, update and patch by
 * matching the request against every stored object, which made each write cost as much as the objects held (1,000
 * NixBuilds applied at once spent minutes there, on the server's one event-loop thread). An index from the name
 * attribute to the stored keys narrows that to the objects of that name; a key the index computes that the mock did not
 * store turns the index off for good (the mock's own scan answers from then on), so it can only be faster, never
 * different.
 */
final class ObservableCrudStore extends KubernetesCrudDispatcher {

    private final List<Consumer<StoreChange>> listeners = new CopyOnWriteArrayList<>();
    /** Keys by their name attribute; written and read under the mock's write lock (writes and their lookups). */
    private final Map<Attribute, Set<AttributeSet>> byName = new HashMap<>();
    private boolean indexed = true;

    void addListener(Consumer<StoreChange> listener) {
        listeners.add(listener);
    }

    void removeListener(Consumer<StoreChange> listener) {
        listeners.remove(listener);
    }

    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
            GenericKubernetesResource resource, String newState) {
        String before = oldAttributes == null ? null : map.get(oldAttributes);
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        index(pathAttributes, oldAttributes, resource, newState);
        if (!Objects.equals(before, newState)) {
            StoreChange change = new StoreChange(path, before, newState);
            listeners.forEach(l -> l.accept(change));
        }
    }

    /** As the mock keys what it stores (KubernetesCrudDispatcher#processEvent). */
    private void index(AttributeSet pathAttributes, AttributeSet oldAttributes, GenericKubernetesResource resource,
            String newState) {
        if (!indexed) {
            return;
        }
        if (oldAttributes != null) {
            Set<AttributeSet> keys = byName.get(oldAttributes.getAttribute(KubernetesAttributesExtractor.NAME));
            if (keys != null) {
                keys.remove(oldAttributes);
            }
        }
        if (newState == null) {
            return;
        }
        KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) getAttributeExtractor();
        AttributeSet key = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
        if (!key.containsKey(KubernetesAttributesExtractor.PLURAL)) {
            key = AttributeSet.merge(pathAttributes, key);
        }
        Attribute name = key.getAttribute(KubernetesAttributesExtractor.NAME);
        if (name == null || !newState.equals(map.get(key))) {
            indexed = false;
            byName.clear();
            return;
        }
        byName.computeIfAbsent(name, n -> new HashSet<>()).add(key);
    }

    /** The object a create, update or patch addresses, from the index when it can answer. */
    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
        Attribute name = query.getAttribute(KubernetesAttributesExtractor.NAME);
        if (!indexed || name == null) {
            return super.findResource(query);
        }
        for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
            String value = map.get(key);
            if (value != null && key.matches(query)) {
                return Map.entry(key, value);
            }
        }
        return null;
    }

    @Override
    public void reset() {
        super.reset();
        // the mock's constructor resets the store before this class's fields exist
        if (byName != null) {
            byName.clear();
        }
    }
}
