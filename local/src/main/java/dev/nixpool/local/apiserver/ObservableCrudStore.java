package dev.nixpool.local.apiserver;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;

/**
 * The mock server's CRUD store, which also tells listeners about every write. The mock itself only reports writes to
 * its WebSocket watches; kubectl watches over plain streamed HTTP, which {@link HttpWatches} serves from these reports.
 */
final class ObservableCrudStore extends KubernetesCrudDispatcher {

    private final List<Consumer<StoreChange>> listeners = new CopyOnWriteArrayList<>();

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
        if (!Objects.equals(before, newState)) {
            StoreChange change = new StoreChange(path, before, newState);
            listeners.forEach(l -> l.accept(change));
        }
    }
}
