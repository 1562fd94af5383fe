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
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherHandler;
import io.fabric8.kubernetes.client.server.mock.crud.PutHandler;
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
    /** The mock's PUT handler, for its checks (name and namespace against the path, resourceVersion). */
    private final KubernetesCrudDispatcherHandler putChecks = new PutHandler(this);
    /** The parsed states of the write being stored, handed to the listeners with its text; null for the mock's own. */
    private JsonNode writingBefore;
    private JsonNode writingAfter;

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
            StoreChange change = new StoreChange(path, before, newState, writingBefore, writingAfter);
            listeners.forEach(l -> l.accept(change));
        }
    }

    /**
     * A PUT of a whole object that the API server has already parsed, doing what the mock's PutHandler does with it
     * (the same checks, metadata kept, generation and resourceVersion touched, stored as the mock prints it) without
     * its three parses of the same JSON: it read the body into a GenericKubernetesResource, the stored object and the
     * body into trees, and storing it parsed the new state into a GenericKubernetesResource again to key it (twice,
     * with the name index). During a burst of NixBuilds most writes are the operator's status updates, and these
     * parses were the largest cost of each on the server's one event-loop thread.
     *
     * @param storePath the request's path as the mock sees it (the status subresource included)
     * @param body the object as written; the stored state is built on a copy
     * @param current the stored object, as last read under the same writes lock
     */
    MockResponse update(String storePath, JsonNode body, JsonNode current) {
        lock.writeLock().lock();
        try {
            return put(storePath, body, current);
        } catch (KubernetesCrudDispatcherException e) {
            return new MockResponse().setResponseCode(e.getCode()).setBody(e.toStatusBody());
        } finally {
            writingBefore = null;
            writingAfter = null;
            lock.writeLock().unlock();
        }
    }

    /**
     * A create of an object the API server has already parsed and admitted, doing what the mock's PostHandler does
     * with it (the same refusals, the uid, a name from generateName, the namespace of the path, creationTimestamp,
     * resourceVersion, generation 1, the status dropped under a status subresource, metadata as ObjectMeta prints it)
     * without parsing the body into a GenericKubernetesResource, printing it and parsing it again to key it. In a
     * profile of 1,000 NixBuilds applied at once, the mock's create was three quarters of each create's cost.
     *
     * @param storePath the request's path as the mock sees it
     * @param body the object as admitted; it becomes the stored state
     */
    MockResponse create(String storePath, ObjectNode body) {
        lock.writeLock().lock();
        try {
            return post(storePath, body);
        } catch (KubernetesCrudDispatcherException e) {
            return new MockResponse().setResponseCode(e.getCode()).setBody(e.toStatusBody());
        } finally {
            writingAfter = null;
            lock.writeLock().unlock();
        }
    }

    private MockResponse post(String path, ObjectNode body) throws KubernetesCrudDispatcherException {
        validateBody(body);
        if (!body.get("metadata").isObject()) {
            throw new KubernetesCrudDispatcherException("No resource or invalid resource provided",
                    HttpURLConnection.HTTP_BAD_REQUEST);
        }
        String kind = body.path("kind").asText();
        ObjectMeta meta = Serialization.unmarshal(body.get("metadata").toString(), ObjectMeta.class);
        // keyed by the name as sent, as the mock's (a generated name is not in it)
        AttributeSet key = getKey(path).add(new Attribute(KubernetesAttributesExtractor.NAME, meta.getName()));
        if (meta.getName() != null && !meta.getName().isEmpty()) {
            if (findResource(key) != null) {
                throw new KubernetesCrudDispatcherException(
                        String.format("%s '%s' already exists", kind, meta.getName()),
                        HttpURLConnection.HTTP_CONFLICT, kind);
            }
        }
        meta.setDeletionTimestamp(null);
        if (meta.getName() == null || meta.getName().isEmpty()) {
            meta.setName(meta.getGenerateName() + "-" + UUID.randomUUID());
        }
        String namespace = ((KubernetesAttributesExtractor) getAttributeExtractor()).fromKubernetesPath(path)
                .get(KubernetesAttributesExtractor.NAMESPACE);
        if (meta.getNamespace() != null && !meta.getNamespace().isEmpty() && !meta.getNamespace().equals(namespace)) {
            throw new KubernetesCrudDispatcherException("the namespace of the object (" + meta.getNamespace()
                    + ") does not match the namespace on the URL (" + namespace + ")",
                    HttpURLConnection.HTTP_BAD_REQUEST, kind);
        }
        meta.setNamespace(namespace);
        meta.setUid(UUID.randomUUID().toString());
        meta.setCreationTimestamp(
                ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                        .format(DateTimeFormatter.ISO_INSTANT));
        meta.setResourceVersion(String.valueOf(requestResourceVersion()));
        meta.setGeneration(1L);
        // in the order the mock prints a GenericKubernetesResource: apiVersion, kind, metadata, then the rest as sent
        ObjectNode created = body.objectNode();
        created.set("apiVersion", body.get("apiVersion"));
        created.set("kind", body.get("kind"));
        created.set("metadata", Serialization.unmarshal(Serialization.asJson(meta), ObjectNode.class));
        body.fields().forEachRemaining(f -> {
            if (!created.has(f.getKey())) {
                created.set(f.getKey(), f.getValue());
            }
        });
        if (isStatusSubresourceEnabledForResource(path)) {
            created.remove("status");
        }
        String response = Serialization.asJson(created);
        writingAfter = created;
        processEvent(path, key, null, keyed(created), response);
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_CREATED).setBody(response);
    }

    private MockResponse put(String path, JsonNode body, JsonNode current) throws KubernetesCrudDispatcherException {
        JsonNode metadata = body.path("metadata");
        validateBody(body);
        AttributeSet attributes = getKey(path);
        Map.Entry<AttributeSet, String> entry = findResource(attributes);
        if (entry == null) {
            return new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND);
        }
        if (metadata.hasNonNull("deletionTimestamp") && metadata.path("finalizers").isEmpty()) {
            writingBefore = current;
            processEvent(path, attributes, entry.getKey(), null, null);
            return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK);
        }
        JsonNode updated;
        if (KubernetesCrudDispatcherHandler.isStatusPath(path)) {
            updated = current.deepCopy();
            KubernetesCrudDispatcherHandler.setStatus(updated, body.get("status"));
        } else {
            updated = body.deepCopy();
            if (isStatusSubresourceEnabledForResource(path)) {
                KubernetesCrudDispatcherHandler.setStatus(updated, copy(current.get("status")));
            }
        }
        putChecks.validatePath(attributes, updated);
        putChecks.validateResourceVersion(current, updated);
        preserveMetadata(current, updated);
        if (!KubernetesCrudDispatcherHandler.isStatusPath(path) && changedBeyond(current, updated)) {
            ((ObjectNode) updated.get("metadata")).put("generation",
                    current.path("metadata").path("generation").asInt(0) + 1);
        }
        if (!current.equals(updated)) {
            ((ObjectNode) updated.get("metadata")).put("resourceVersion", String.valueOf(requestResourceVersion()));
        }
        String response = Serialization.asJson(updated);
        writingBefore = current;
        writingAfter = updated;
        processEvent(path, attributes, entry.getKey(), keyed(updated), response);
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(response);
    }

    /**
     * Whether anything but metadata and status differs: the mock's touchGeneration asks the same of a JSON diff of the
     * two objects, computed twice per write (once more for the resourceVersion) with a regular expression compiled for
     * every difference.
     */
    static boolean changedBeyond(JsonNode current, JsonNode updated) {
        Set<String> fields = new HashSet<>();
        current.fieldNames().forEachRemaining(fields::add);
        updated.fieldNames().forEachRemaining(fields::add);
        for (String field : fields) {
            if (!field.equals("metadata") && !field.equals("status")
                    && !Objects.equals(current.get(field), updated.get(field))) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode copy(JsonNode node) {
        return node == null ? null : node.deepCopy();
    }

    /** What KubernetesCrudDispatcherHandler#validateRequestBody refuses, from the tree instead of a full parse. */
    private static void validateBody(JsonNode body) throws KubernetesCrudDispatcherException {
        if (body == null || !body.isObject()) {
            throw new KubernetesCrudDispatcherException("No resource or invalid resource provided",
                    HttpURLConnection.HTTP_BAD_REQUEST);
        }
        String kind = body.path("kind").asText("");
        if (kind.isEmpty()) {
            throw new KubernetesCrudDispatcherException("Invalid",
                    KubernetesCrudDispatcherHandler.HTTP_UNPROCESSABLE_ENTITY,
                    null, "kind");
        }
        if (body.path("apiVersion").asText("").isEmpty()) {
            throw new KubernetesCrudDispatcherException(kind + " is invalid",
                    KubernetesCrudDispatcherHandler.HTTP_UNPROCESSABLE_ENTITY, kind, "apiVersion");
        }
        JsonNode metadata = body.get("metadata");
        if (metadata == null || metadata.isNull()) {
            throw new KubernetesCrudDispatcherException(kind + " is invalid",
                    KubernetesCrudDispatcherHandler.HTTP_UNPROCESSABLE_ENTITY, kind, "metadata");
        }
        if (metadata.path("name").asText("").isEmpty() && metadata.path("generateName").asText("").isEmpty()) {
            throw new KubernetesCrudDispatcherException(kind + " is invalid",
                    KubernetesCrudDispatcherHandler.HTTP_UNPROCESSABLE_ENTITY, kind, "name or generateName");
        }
    }

    /**
     * The fields the mock keys a stored object by (KubernetesAttributesExtractor#extract: apiVersion, kind, name,
     * namespace, labels), which is all it reads of the GenericKubernetesResource it parses the whole object into.
     */
    static GenericKubernetesResource keyed(JsonNode object) {
        GenericKubernetesResource resource = new GenericKubernetesResource();
        resource.setApiVersion(object.path("apiVersion").asText(null));
        resource.setKind(object.path("kind").asText(null));
        JsonNode metadata = object.path("metadata");
        ObjectMeta meta = new ObjectMeta();
        meta.setName(metadata.path("name").asText(null));
        meta.setNamespace(metadata.path("namespace").asText(null));
        JsonNode labels = metadata.get("labels");
        if (labels != null && labels.isObject()) {
            Map<String, String> values = new java.util.LinkedHashMap<>();
            labels.fields().forEachRemaining(l -> values.put(l.getKey(), l.getValue().asText()));
            meta.setLabels(values);
        }
        resource.setMetadata(meta);
        return resource;
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
