package dev.nixpool.local.apiserver;

import java.net.HttpURLConnection;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;

/**
 * The mock server's CRUD store, which also tells listeners about every write. The mock itself only reports writes to
 * its WebSocket watches; kubectl watches over plain streamed HTTP, which {@link HttpWatches} serves from these reports.
 * <p>
 * It also finds an object by name without scanning the store: the mock answers every create, update, patch, get and
 * delete of one object by matching the request against every stored object, which made each request cost as much as
 * the objects held (1,000 NixBuilds applied at once spent minutes there, on the server's one event-loop thread). An
 * index from the name attribute to the stored keys narrows that to the objects of that name. The answers stay the
 * mock's: a name that more than one stored object matches is answered by the mock's own scan (its first match in store
 * order), and a key the index computes that the mock did not store turns the index off for good, so it can only be
 * faster, never different.
 */
final class ObservableCrudStore extends KubernetesCrudDispatcher {

    private final List<Consumer<StoreChange>> listeners = new CopyOnWriteArrayList<>();
    /**
     * Keys by their name attribute; written under the mock's write lock (in {@link #processEvent}), read under its read
     * or write lock.
     */
    private final Map<Attribute, Set<AttributeSet>> byName = new HashMap<>();
    private volatile boolean indexed = true;
    /** The mock's own lock, which its reads and writes take: the indexed ones take it the same way. */
    private final ReadWriteLock lock = mockLock(this);

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
        List<Map.Entry<AttributeSet, String>> found = matches(query, name);
        return found.size() > 1 ? super.findResource(query) : found.stream().findFirst().orElse(null);
    }

    /**
     * A read of one object by its path (kubectl apply reads every object before it creates it), from the index; lists,
     * watches and paths with a query are the mock's.
     */
    @Override
    public MockResponse handleGet(String path) {
        MockResponse answer = locked(lock.readLock(), () -> indexed(path, false));
        return answer != null ? answer : super.handleGet(path);
    }

    /**
     * A delete of one object by its path, from the index, doing what the mock does with it (KubernetesCrudDispatcher's
     * processDelete): removed when it has no finalizers, else marked for deletion once; answered with the object as it
     * was, or 404.
     */
    @Override
    public MockResponse handleDelete(String path) {
        MockResponse answer = locked(lock.writeLock(), () -> indexed(path, true));
        return answer != null ? answer : super.handleDelete(path);
    }

    /** The index's answer for one object's path, or null when the mock's scan must answer. */
    private MockResponse indexed(String path, boolean delete) {
        if (!indexed || path.indexOf('?') >= 0) {
            return null;
        }
        AttributeSet query = getKey(path);
        Attribute name = query.getAttribute(KubernetesAttributesExtractor.NAME);
        if (name == null) {
            return null;
        }
        List<Map.Entry<AttributeSet, String>> found = matches(query, name);
        if (found.size() > 1) {
            return null;
        }
        if (found.isEmpty()) {
            return new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND);
        }
        Map.Entry<AttributeSet, String> entry = found.get(0);
        if (delete) {
            delete(path, query, entry.getKey(), entry.getValue());
        }
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(entry.getValue());
    }

    /** The stored objects of that name that the query matches. */
    private List<Map.Entry<AttributeSet, String>> matches(AttributeSet query, Attribute name) {
        List<Map.Entry<AttributeSet, String>> found = new ArrayList<>(1);
        for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
            String value = map.get(key);
            if (value != null && key.matches(query)) {
                found.add(Map.entry(key, value));
            }
        }
        return found;
    }

    private void delete(String path, AttributeSet query, AttributeSet key, String stored) {
        GenericKubernetesResource resource = Serialization.unmarshal(stored, GenericKubernetesResource.class);
        if (resource.getFinalizers().isEmpty()) {
            processEvent(path, query, key, null, null);
        } else if (!resource.isMarkedForDeletion()) {
            resource.getMetadata().setDeletionTimestamp(ZonedDateTime.now(ZoneOffset.UTC)
                    .truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            resource.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
            processEvent(path, query, key, resource, Serialization.asJson(resource));
        }
    }

    private static <T> T locked(Lock lock, Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /** KubernetesCrudDispatcher keeps its lock private; without it no read could be indexed safely. */
    private static ReadWriteLock mockLock(KubernetesCrudDispatcher store) {
        try {
            var field = KubernetesCrudDispatcher.class.getDeclaredField("lock");
            field.setAccessible(true);
            return (ReadWriteLock) field.get(store);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("the Fabric8 mock's CRUD store has no ReadWriteLock field 'lock' any more;"
                    + " ObservableCrudStore must be adapted to this version", e);
        }
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
