package dev.nixpool.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;

/**
 * An informer cache over whatever list the test holds at the moment of each call: the same objects, in the same
 * order, which is what lets the code under test tell an unchanged cache from a changed one. Indexes are computed per
 * call from the indexers the code registered, as the informer's index would hold them.
 */
final class ListCache<T extends HasMetadata> implements IndexerResourceCache<T> {

    private final Supplier<List<T>> items;
    private final Map<String, Function<T, List<String>>> indexers = new ConcurrentHashMap<>();

    ListCache(Supplier<List<T>> items) {
        this.items = items;
    }

    @Override
    public void addIndexers(Map<String, Function<T, List<String>>> added) {
        indexers.putAll(added);
    }

    @Override
    public List<T> byIndex(String indexName, String key) {
        Function<T, List<String>> indexer = indexers.get(indexName);
        if (indexer == null) {
            // The informer's own answer to an index nobody registered.
            throw new IllegalArgumentException("index " + indexName + " doesn't exist");
        }
        return items.get().stream().filter(item -> indexer.apply(item).contains(key))
                .collect(Collectors.toCollection(ArrayList::new));
    }

    @Override
    public Optional<T> get(ResourceID id) {
        return items.get().stream().filter(item -> ResourceID.fromResource(item).equals(id)).findFirst();
    }

    @Override
    public Stream<ResourceID> keys() {
        return items.get().stream().map(ResourceID::fromResource);
    }

    @Override
    public Stream<T> list(Predicate<T> predicate) {
        return items.get().stream().filter(predicate);
    }

    @Override
    public Stream<T> list(String namespace, Predicate<T> predicate) {
        return list(item -> namespace.equals(item.getMetadata().getNamespace()) && predicate.test(item));
    }
}
