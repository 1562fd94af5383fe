package dev.nixpool.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * A client that lists every NixBuild of the namespace once a second from {@link #start}, as a dashboard or
 * {@code kubectl get nb -w}-less script would: the load a busy cluster has beside the builds themselves.
 */
final class NixBuildLister implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "nixbuild-lister");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger lists = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicLong slowestNanos = new AtomicLong();

    private final KubernetesClient client;
    private final String namespace;

    NixBuildLister(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    void start() {
        timer.scheduleWithFixedDelay(() -> {
            long start = System.nanoTime();
            try {
                client.resources(NixBuild.class).inNamespace(namespace).list();
                lists.incrementAndGet();
                slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            } catch (KubernetesClientException e) {
                failures.incrementAndGet();
            }
        }, 0, 1, TimeUnit.SECONDS);
    }

    int lists() {
        return lists.get();
    }

    int failures() {
        return failures.get();
    }

    double slowestSeconds() {
        return slowestNanos.get() / 1e9;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
