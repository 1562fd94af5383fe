package dev.nixpool.reconcile;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

/**
 * Every pod of one namespace from before a test starts, through a watch: a pod is alive from its ADDED to its DELETED
 * event. It remembers the most that were alive at once, so a test asserts a bound on every moment, not on the moments
 * it happened to sample.
 */
final class PodWatch implements AutoCloseable {

    private final Set<String> alive = new HashSet<>();
    private final Set<String> created = new HashSet<>();
    private final List<String> problems = new ArrayList<>();
    private final Watch watch;
    private int mostAlive;

    PodWatch(KubernetesClient client, String namespace) {
        watch = client.pods().inNamespace(namespace).watch(new Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                record(action, pod.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {
                synchronized (PodWatch.this) {
                    problems.add("the watch closed: " + cause);
                }
            }
        });
    }

    private synchronized void record(Watcher.Action action, String name) {
        switch (action) {
            case ADDED -> {
                alive.add(name);
                created.add(name);
            }
            case DELETED -> alive.remove(name);
            case ERROR -> problems.add("watch error for " + name);
            default -> {
            }
        }
        mostAlive = Math.max(mostAlive, alive.size());
    }

    /** The most pods alive at once since the watch started. */
    synchronized int mostAlive() {
        return mostAlive;
    }

    synchronized Set<String> alive() {
        return Set.copyOf(alive);
    }

    /** Every pod ever added since the watch started. */
    synchronized Set<String> created() {
        return Set.copyOf(created);
    }

    /** A closed or failing watch would make the counts above meaningless: tests check this is empty. */
    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        watch.close();
    }
}
