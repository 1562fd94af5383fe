package dev.nixpool.bench;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * What the scale benchmark sees of the writes the API server stores (see {@code EmbeddedApiServer#observe}): when each
 * build was first placed (Scheduled or later, or Pending with a queue position), which builds ended and how, and how
 * many builder pods existed at once. Its callbacks run on the server's writing thread, so each is a few field reads.
 */
final class ScaleObserver {

    private final Map<String, Long> placed = new ConcurrentHashMap<>();
    private final Map<String, NixBuildPhase> ended = new ConcurrentHashMap<>();
    private final Set<String> pods = ConcurrentHashMap.newKeySet();
    private final Map<String, String> builderPodLabels;
    private final AtomicInteger mostPods = new AtomicInteger();
    private final AtomicLong lastPlaced = new AtomicLong();

    /** @param builderPodLabels the labels every builder pod carries; other pods are not counted */
    ScaleObserver(Map<String, String> builderPodLabels) {
        this.builderPodLabels = Map.copyOf(builderPodLabels);
    }

    /** A build is placed once it has a builder or a place in the queue: the user sees where it stands. */
    static boolean isPlaced(JsonNode build) {
        NixBuildPhase phase = phase(build);
        return phase != null && (phase != NixBuildPhase.Pending || build.path("status").hasNonNull("queuePosition"));
    }

    /** A NixBuild's new state as stored; null once it is deleted. */
    void build(String name, JsonNode build) {
        if (build == null) {
            return;
        }
        long now = System.nanoTime();
        if (isPlaced(build) && placed.putIfAbsent(name, now) == null) {
            lastPlaced.accumulateAndGet(now, Math::max);
        }
        NixBuildPhase phase = phase(build);
        if (phase != null && phase.isFinal()) {
            ended.putIfAbsent(name, phase);
        }
    }

    /** A pod's new state as stored; null once it is deleted. */
    void pod(String name, JsonNode pod) {
        if (pod == null) {
            pods.remove(name);
            return;
        }
        JsonNode labels = pod.path("metadata").path("labels");
        boolean builder = builderPodLabels.entrySet().stream()
                .allMatch(l -> l.getValue().equals(labels.path(l.getKey()).asText(null)));
        if (builder && pods.add(name)) {
            mostPods.accumulateAndGet(pods.size(), Math::max);
        }
    }

    int placedCount() {
        return placed.size();
    }

    /** System.nanoTime() of the last first placement. */
    long lastPlacedAt() {
        return lastPlaced.get();
    }

    long finished(NixBuildPhase phase) {
        return ended.values().stream().filter(p -> p == phase).count();
    }

    int mostBuilderPods() {
        return mostPods.get();
    }

    private static NixBuildPhase phase(JsonNode build) {
        String phase = build.path("status").path("phase").asText(null);
        if (phase == null) {
            return null;
        }
        try {
            return NixBuildPhase.valueOf(phase);
        } catch (IllegalArgumentException e) {
            // a phase this benchmark does not know is not one it can count
            return null;
        }
    }
}
