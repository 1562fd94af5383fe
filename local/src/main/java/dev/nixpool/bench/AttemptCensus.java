package dev.nixpool.bench;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * Watches one namespace's builder pods from before the first build and remembers, for every attempt of every build
 * (the claim labels {@code nixpool.dev/build} and {@code nixpool.dev/attempt} a builder carries once a build holds
 * it), every pod that ever carried it: an attempt runs on one builder, so two names for one attempt is a builder
 * created or claimed twice.
 */
final class AttemptCensus implements AutoCloseable {

    private final Map<String, Set<String>> podsPerAttempt = new LinkedHashMap<>();
    private final Set<String> pods = new LinkedHashSet<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final Watch watch;

    AttemptCensus(KubernetesClient client, String namespace) {
        watch = client.pods().inNamespace(namespace).withLabels(BuilderRuntime.BUILDER_POD_LABELS)
                .watch(new Watcher<Pod>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                        if (action == Action.ERROR) {
                            problems.add("pod watch error: " + pod);
                        } else {
                            record(pod);
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        problems.add("the pod watch closed: " + cause);
                    }
                });
    }

    synchronized void record(Pod pod) {
        String name = pod.getMetadata().getName();
        pods.add(name);
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null || !labels.containsKey(Names.LABEL_BUILD) || !labels.containsKey(Names.LABEL_ATTEMPT)) {
            return;
        }
        podsPerAttempt.computeIfAbsent(labels.get(Names.LABEL_BUILD) + " attempt " + labels.get(Names.LABEL_ATTEMPT),
                key -> new LinkedHashSet<>()).add(name);
    }

    /** Attempts that more than one pod carried, with those pods. */
    synchronized Map<String, Set<String>> doubled() {
        Map<String, Set<String>> doubled = new LinkedHashMap<>();
        podsPerAttempt.forEach((attempt, names) -> {
            if (names.size() > 1) {
                doubled.put(attempt, Set.copyOf(names));
            }
        });
        return doubled;
    }

    /** The most pods one attempt ever had (0 before any build held a builder). */
    synchronized int maxPodsPerAttempt() {
        return podsPerAttempt.values().stream().mapToInt(Set::size).max().orElse(0);
    }

    synchronized int attemptsSeen() {
        return podsPerAttempt.size();
    }

    synchronized int podsSeen() {
        return pods.size();
    }

    /** A closed or failing watch would make the counts meaningless. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        watch.close();
    }
}
