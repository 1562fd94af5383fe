package dev.nixpool.bench;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * What the scale benchmark sees through two watches: when each build was first placed (Scheduled or later, or Pending
 * with a queue position), which builds ended and how, and how many builder pods existed at once.
 */
final class ScaleObserver {

    private final Map<String, Long> placed = new ConcurrentHashMap<>();
    private final Map<String, NixBuildPhase> ended = new ConcurrentHashMap<>();
    private final Set<String> pods = ConcurrentHashMap.newKeySet();
    private final AtomicInteger mostPods = new AtomicInteger();
    private final AtomicLong lastPlaced = new AtomicLong();

    /** A build is placed once it has a builder or a place in the queue: the user sees where it stands. */
    static boolean isPlaced(NixBuild build) {
        if (build.getStatus() == null || build.getStatus().getPhase() == null) {
            return false;
        }
        NixBuildPhase phase = build.getStatus().getPhase();
        return phase != NixBuildPhase.Pending || build.getStatus().getQueuePosition() != null;
    }

    Watcher<NixBuild> builds() {
        return new Logged<>((action, build) -> {
            if (action == Watcher.Action.DELETED) {
                return;
            }
            String name = build.getMetadata().getName();
            long now = System.nanoTime();
            if (isPlaced(build) && placed.putIfAbsent(name, now) == null) {
                lastPlaced.accumulateAndGet(now, Math::max);
            }
            NixBuildPhase phase = build.getStatus() != null ? build.getStatus().getPhase() : null;
            if (phase != null && phase.isFinal()) {
                ended.putIfAbsent(name, phase);
            }
        });
    }

    Watcher<Pod> builderPods() {
        return new Logged<>((action, pod) -> {
            String name = pod.getMetadata().getName();
            if (action == Watcher.Action.DELETED) {
                pods.remove(name);
            } else {
                pods.add(name);
                mostPods.accumulateAndGet(pods.size(), Math::max);
            }
        });
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

    private interface Sink<T> {
        void accept(Watcher.Action action, T resource);
    }

    private record Logged<T>(Sink<T> sink) implements Watcher<T> {
        @Override
        public void eventReceived(Action action, T resource) {
            sink.accept(action, resource);
        }

        @Override
        public void onClose(WatcherException cause) {
            if (cause != null) {
                System.err.println("ScaleBenchmark: a watch closed: " + cause.getMessage());
            }
        }
    }
}
