package dev.nixpool.logs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A small map whose entries expire after a while and whose oldest entries go once it is full: enough to spare the API
 * server a review per log request without remembering a revoked permission for long.
 */
final class ExpiringCache<K, V> {

    private final Duration ttl;
    private final Clock clock;
    private final Map<K, Entry<V>> entries;

    ExpiringCache(int maxEntries, Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
                return size() > maxEntries;
            }
        };
    }

    synchronized Optional<V> get(K key) {
        Entry<V> entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(entry.expires())) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    synchronized void put(K key, V value) {
        if (!ttl.isZero() && !ttl.isNegative()) {
            entries.put(key, new Entry<>(value, clock.instant().plus(ttl)));
        }
    }

    synchronized int size() {
        return entries.size();
    }

    private record Entry<V>(V value, Instant expires) {
    }
}
