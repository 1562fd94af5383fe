package dev.nixpool.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.scheduling.WaitingQueue;

/**
 * Queue positions brought up to date at a bounded rate. When a build leaves the head of a queue, every build behind it
 * moves up one place; waking all of them at each departure made n builds cost n² reconciles and status writes. Instead,
 * once per period this source compares each waiting build's {@code status.queuePosition} with the namespace's shared
 * queue and wakes only the builds whose position changed; a queue that has not changed since the last look costs
 * nothing. A build whose position was never set yet is woken by its own creation.
 */
class QueuePositionSource extends SimpleInboundEventSource<NixBuild> {

    static final String NAME = "queue-positions";
    private static final Logger LOG = Logger.getLogger(QueuePositionSource.class);

    private final WaitingBuilds waiting;
    private final Duration period;
    private final PositionBudget budget;
    private final Map<String, WaitingQueue> looked = new HashMap<>();
    private ScheduledExecutorService timer;

    /**
     * @param period how often queues are looked at
     * @param budget the position updates a namespace may cause, shared with the reconciles of waiting builds: a long
     *        queue whose head moves all the time is looked at less often (each look moves every build behind the head)
     */
    QueuePositionSource(WaitingBuilds waiting, Duration period, PositionBudget budget) {
        super(NAME);
        this.waiting = waiting;
        this.period = period;
        this.budget = budget;
    }

    @Override
    public synchronized void start() {
        super.start();
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "nixpool-queue-positions");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::refresh, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        super.stop();
    }

    /** A failure skips one look (the next one sees the same queue); a thrown exception would end the schedule. */
    private void refresh() {
        try {
            Set<String> namespaces = new HashSet<>(waiting.namespaces());
            looked.keySet().retainAll(namespaces);
            budget.retain(namespaces);
            long now = System.nanoTime();
            for (String namespace : namespaces) {
                if (budget.quiet(namespace, now)) {
                    continue;
                }
                WaitingQueue queue = waiting.queue(namespace);
                if (looked.get(namespace) == queue) {
                    continue;
                }
                looked.put(namespace, queue);
                List<NixBuild> moved = new ArrayList<>();
                for (NixBuild build : waiting.builds(namespace)) {
                    Integer shown = build.getStatus() != null ? build.getStatus().getQueuePosition() : null;
                    String key = namespace + "/" + build.getMetadata().getName();
                    if (shown != null && queue.standing(key).map(s -> s.position() != shown).orElse(false)) {
                        moved.add(build);
                    }
                }
                // granted before the events go out: the woken reconciles take their grants
                budget.spend(namespace, moved.stream().map(b -> namespace + "/" + b.getMetadata().getName())
                        .collect(Collectors.toSet()), now);
                moved.forEach(build -> propagateEvent(ResourceID.fromResource(build)));
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not bring queue positions up to date; trying again in %s", period);
        }
    }
}
