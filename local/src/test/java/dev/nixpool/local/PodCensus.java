package dev.nixpool.local;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * overall and per build: a pod exists from its ADDED to its DELETED event. Builder pods belong to their pool; a pod
 * counts for a build while it carries the build's label (an ephemeral builder gains it when a build takes it).
 */
final class PodCensus implements AutoCloseable {

    /** The labels of every pod alive now, by name: as of its latest event. */
    private final Map<String, Map<String, String>> existing = new HashMap<>();
    private final Map<String, Integer> maxPerBuild = new HashMap<>();
    private final Map<String, Map<String, String>> added = new LinkedHashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final Set<String> everReady = new HashSet<>();
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
                        problems.add("the watch closed: " + cause);
                    }
                });
    }

    private synchronized void record(Watcher.Action action, Pod pod) {
        if (action == Watcher.Action.ERROR) {
            problems.add("watch error: " + pod);
            return;
        }
        String name = pod.getMetadata().getName();
        Map<String, String> labels = pod.getMetadata().getLabels() != null
                ? Map.copyOf(pod.getMetadata().getLabels())
                : Map.of();
        events.add(action + " " + name);
        if (action == Watcher.Action.DELETED) {
            existing.remove(name);
        } else {
            existing.put(name, labels);
            added.putIfAbsent(name, labels);
        }
        if (isReady(pod)) {
            everReady.add(name);
        }
        max = Math.max(max, existing.size());
        Map<String, Integer> perBuild = new HashMap<>();
        existing.values().forEach(l -> {
            if (l.containsKey(Names.LABEL_BUILD)) {
                perBuild.merge(l.get(Names.LABEL_BUILD), 1, Integer::sum);
            }
        });
        perBuild.forEach((build, count) -> maxPerBuild.merge(build, count, Math::max));
    }

    /** The most builder pods that existed at once in the namespace. */
    synchronized int max() {
        return max;
    }

    /** The most builder pods that carried one build's label (nixpool.dev/build) at once. */
    synchronized int maxFor(String build) {
        return maxPerBuild.getOrDefault(Names.labelValue(build), 0);
    }

    /** The pods seen with condition Ready=True at some point. */
    synchronized Set<String> everReady() {
        return Set.copyOf(everReady);
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Every pod name ever seen. */
    synchronized Set<String> seen() {
        return Set.copyOf(added.keySet());
    }

    /** The pods alive now, as the watch last saw them. */
    synchronized Set<String> alive() {
        return Set.copyOf(existing.keySet());
    }

    /** Every pod name ever seen, in the order they were first seen. */
    synchronized List<String> seenInOrder() {
        return new ArrayList<>(added.keySet());
    }

    /** The labels a pod had when it was first seen: a builder a build started carries the build's from the start. */
    synchronized Map<String, String> labelsWhenAdded(String pod) {
        return added.getOrDefault(pod, Map.of());
    }

    /** A closed or failing watch would make the counts above meaningless: scenarios check this is empty. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    List<String> events() {
        return List.copyOf(events);
    }

    @Override
    public void close() {
        watch.close();
    }
}
