package dev.nixpool.local;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.nixpool.Names;
import dev.nixpool.runtime.BuilderRuntime;

/**
 * Watches the builder pods of one namespace from before a scenario starts and remembers the most that existed at once,
 * overall and per build: a pod exists from its ADDED to its DELETED event.
 */
final class PodCensus implements AutoCloseable {

    private final Set<String> existing = new HashSet<>();
    private final Map<String, Set<String>> existingPerBuild = new HashMap<>();
    private final Map<String, Integer> maxPerBuild = new HashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Set<String> everReady = new HashSet<>();
    private final Set<String> seen = new HashSet<>();
    private final Watch watch;
    private int max;

    PodCensus(KubernetesClient client, String namespace) {
        watch = client.pods().inNamespace(namespace).withLabels(BuilderRuntime.BUILDER_POD_LABELS)
                .watch(new Watcher<Pod>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                        record(action, pod);
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        events.add("watch closed: " + cause);
                    }
                });
    }

    private synchronized void record(Watcher.Action action, Pod pod) {
        String name = pod.getMetadata().getName();
        String build = pod.getMetadata().getLabels().getOrDefault(Names.LABEL_BUILD, "");
        events.add(action + " " + name);
        seen.add(name);
        Set<String> ofBuild = existingPerBuild.computeIfAbsent(build, b -> new HashSet<>());
        if (action == Watcher.Action.DELETED) {
            existing.remove(name);
            ofBuild.remove(name);
        } else {
            existing.add(name);
            ofBuild.add(name);
        }
        if (isReady(pod)) {
            everReady.add(name);
        }
        max = Math.max(max, existing.size());
        maxPerBuild.merge(build, ofBuild.size(), Math::max);
    }

    /** The most builder pods that existed at once in the namespace. */
    synchronized int max() {
        return max;
    }

    /** The most builder pods that existed at once for one build (label value of nixpool.dev/build). */
    synchronized int maxFor(String build) {
        return maxPerBuild.getOrDefault(Names.labelValue(build), 0);
    }

    /** The pods seen with condition Ready=True at some point. */
    synchronized Set<String> everReady() {
        return Set.copyOf(everReady);
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Every pod name ever seen. */
    synchronized Set<String> seen() {
        return Set.copyOf(seen);
    }

    List<String> events() {
        return List.copyOf(events);
    }

    @Override
    public void close() {
        watch.close();
    }
}
