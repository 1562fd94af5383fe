package dev.nixpool.runner;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands runs to the runner's threads with a bounded share per namespace: a namespace has at most {@code limit} runs on
 * the executor at once; its further runs wait in its own queue, in order, and one of them goes to the executor when one
 * of its runs ends. Another namespace's run is never queued behind them, so a tenant that creates thousands of builds
 * leaves {@code threads - limit} threads to everyone else. A run cancelled while it waits leaves its queue without ever
 * taking a thread.
 */
final class NamespaceShare {

    private final Executor executor;
    private final int limit;
    private final Map<String, Integer> admitted = new HashMap<>();
    private final Map<String, Deque<Slot>> waiting = new HashMap<>();

    NamespaceShare(Executor executor, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("nixpool.runner.namespace-threads must be at least 1, got " + limit);
        }
        this.executor = executor;
        this.limit = limit;
    }

    /** Runs {@code work} now or after the namespace's earlier runs; the future cancels it either way. */
    Future<?> submit(String namespace, Runnable work) {
        Slot slot = new Slot(namespace, work);
        synchronized (this) {
            int running = admitted.getOrDefault(namespace, 0);
            if (running >= limit) {
                waiting.computeIfAbsent(namespace, n -> new ArrayDeque<>()).add(slot);
                return slot;
            }
            admitted.put(namespace, running + 1);
            slot.admitted = true;
        }
        executor.execute(slot);
        return slot;
    }

    /** Runs of {@code namespace} on the executor (running or in its queue), for tests and metrics. */
    synchronized int admitted(String namespace) {
        return admitted.getOrDefault(namespace, 0);
    }

    /** Runs of {@code namespace} waiting for their share. */
    synchronized int waiting(String namespace) {
        Deque<Slot> queue = waiting.get(namespace);
        return queue == null ? 0 : queue.size();
    }

    /** Runs of every namespace waiting for their share. */
    synchronized int waitingTotal() {
        return waiting.values().stream().mapToInt(Deque::size).sum();
    }

    private void ended(Slot slot) {
        Slot next = null;
        synchronized (this) {
            Deque<Slot> queue = waiting.get(slot.namespace);
            if (!slot.admitted) {
                // cancelled while waiting: it held no share
                if (queue != null) {
                    queue.remove(slot);
                    if (queue.isEmpty()) {
                        waiting.remove(slot.namespace);
                    }
                }
                return;
            }
            while (queue != null && !queue.isEmpty() && next == null) {
                Slot candidate = queue.poll();
                if (!candidate.isDone()) {
                    next = candidate;
                }
            }
            if (queue != null && queue.isEmpty()) {
                waiting.remove(slot.namespace);
            }
            if (next != null) {
                // the share passes from the ended run to the next one
                next.admitted = true;
            } else {
                int left = admitted.getOrDefault(slot.namespace, 1) - 1;
                if (left > 0) {
                    admitted.put(slot.namespace, left);
                } else {
                    admitted.remove(slot.namespace);
                }
            }
        }
        if (next != null) {
            executor.execute(next);
        }
    }

    /**
     * A run and its place. Its share is given back once: when its work returns on its thread, or when it is cancelled
     * before a thread took it. A running run that is cancelled keeps its share until its thread is free again (closing
     * its session ends it soon), so the namespace never has more than its share of threads busy.
     */
    private final class Slot extends FutureTask<Void> {

        private final String namespace;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile boolean taken;
        /** Whether it holds one of its namespace's shares; guarded by the NamespaceShare. */
        private boolean admitted;

        Slot(String namespace, Runnable work) {
            super(work, null);
            this.namespace = namespace;
        }

        @Override
        public void run() {
            taken = true;
            try {
                super.run();
            } finally {
                release();
            }
        }

        @Override
        protected void done() {
            if (!taken) {
                release();
            }
        }

        private void release() {
            if (released.compareAndSet(false, true)) {
                ended(this);
            }
        }
    }
}
