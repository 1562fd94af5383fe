package dev.nixpool.metrics;

import static dev.nixpool.metrics.MeterNames.BUILDERS;
import static dev.nixpool.metrics.MeterNames.BUILDS_QUEUED;
import static dev.nixpool.metrics.MeterNames.BUILDS_WAITING;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.config.NixpoolConfig;

/**
 * Gauges over the NixBuild controller's informer caches: queued and waiting builds ({@link QueueCensus}) and builders
 * per pool and state ({@link BuilderCounts}). The label sets change with the cluster (a new pool, a build needing a new
 * feature set), so the rows are counted again every {@code nixpool.metrics.gauge-refresh} on a thread of their own;
 * rows that no longer exist go, so a scrape shows only what waits now.
 */
@ApplicationScoped
public class ClusterGauges {

    private static final Logger LOG = Logger.getLogger(ClusterGauges.class);

    private final MultiGauge queued;
    private final MultiGauge waiting;
    private final MultiGauge builders;
    private final Duration refresh;
    private ScheduledExecutorService refresher;

    public ClusterGauges(MeterRegistry registry, NixpoolConfig config) {
        this.queued = MultiGauge.builder(BUILDS_QUEUED)
                .description("NixBuilds waiting for a pool, counted in every pool that could take them")
                .register(registry);
        this.waiting = MultiGauge.builder(BUILDS_WAITING)
                .description("NixBuilds waiting for a pool, each counted once").register(registry);
        this.builders = MultiGauge.builder(BUILDERS).description("builder pods of a pool by state")
                .register(registry);
        this.refresh = config.metrics().gaugeRefresh();
    }

    /** Counts what these caches hold from now on; the NixBuild controller calls it once its event sources exist. */
    public synchronized void watch(Cache<NixBuild> builds, Cache<BuildMachine> machines) {
        close();
        refresher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "nixpool-metrics-gauges");
            thread.setDaemon(true);
            return thread;
        });
        // the first count after one period: the controller calls this before it starts the caches it hands over
        refresher.scheduleWithFixedDelay(() -> refresh(builds, machines), refresh.toMillis(), refresh.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    synchronized void close() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
    }

    /** A failure skips one refresh (the rows keep their last counts); a thrown exception would end the schedule. */
    private void refresh(Cache<NixBuild> builds, Cache<BuildMachine> machines) {
        try {
            List<BuildMachine> pools = machines.list().toList();
            QueueCensus census = QueueCensus.of(builds.list().toList(), pools);
            queued.register(rows(census.queued()), true);
            waiting.register(rows(census.waiting()), true);
            builders.register(rows(BuilderCounts.rows(pools)), true);
        } catch (RuntimeException e) {
            LOG.warnf(e, "counting queued builds and builders for the metrics failed; trying again in %s", refresh);
        }
    }

    private static List<MultiGauge.Row<?>> rows(Map<Tags, Long> counts) {
        return counts.entrySet().stream().<MultiGauge.Row<?>>map(e -> MultiGauge.Row.of(e.getKey(), e.getValue()))
                .toList();
    }
}
