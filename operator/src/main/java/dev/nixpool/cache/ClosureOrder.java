package dev.nixpool.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

/**
 * Orders paths references first (a path after every path of the set it refers to), so a cache written in this order
 * never holds a path whose references it lacks, even if the upload stops half-way. Self-references are allowed, as in
 * Nix; among independent paths the order is by path, so it is the same on every run.
 */
final class ClosureOrder {

    private ClosureOrder() {
    }

    static List<ValidPathInfo> referencesFirst(Collection<ValidPathInfo> paths) {
        Map<StorePath, ValidPathInfo> byPath = new TreeMap<>();
        for (ValidPathInfo info : paths) {
            if (byPath.put(info.path(), info) != null) {
                throw new IllegalArgumentException(info.path() + " is listed twice");
            }
        }
        Map<StorePath, Integer> pending = new HashMap<>();
        Map<StorePath, List<StorePath>> referrers = new HashMap<>();
        for (ValidPathInfo info : byPath.values()) {
            int count = 0;
            for (StorePath ref : new TreeSet<>(info.references())) {
                if (!ref.equals(info.path()) && byPath.containsKey(ref)) {
                    count++;
                    referrers.computeIfAbsent(ref, k -> new ArrayList<>()).add(info.path());
                }
            }
            pending.put(info.path(), count);
        }
        TreeSet<StorePath> ready = new TreeSet<>();
        pending.forEach((path, count) -> {
            if (count == 0) {
                ready.add(path);
            }
        });
        List<ValidPathInfo> order = new ArrayList<>(byPath.size());
        while (!ready.isEmpty()) {
            StorePath next = ready.pollFirst();
            order.add(byPath.get(next));
            for (StorePath referrer : referrers.getOrDefault(next, List.of())) {
                if (pending.merge(referrer, -1, Integer::sum) == 0) {
                    ready.add(referrer);
                }
            }
        }
        if (order.size() != byPath.size()) {
            List<StorePath> cyclic = pending.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey)
                    .sorted().toList();
            throw new IllegalArgumentException(
                    "the paths' references form a cycle, which no Nix store holds: " + cyclic);
        }
        return order;
    }
}
