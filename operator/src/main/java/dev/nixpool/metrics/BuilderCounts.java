package dev.nixpool.metrics;

import static dev.nixpool.metrics.MeterNames.TAG_NAMESPACE;
import static dev.nixpool.metrics.MeterNames.TAG_POOL;
import static dev.nixpool.metrics.MeterNames.TAG_STATE;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.Tags;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineStatus;

/**
 * A pool's builder pods by state, as its BuildMachine's status reports them (startingBuilders, idleBuilders,
 * busyBuilders): the one place that reads those fields. Builders that are stopping count in none of them.
 */
public record BuilderCounts(int starting, int idle, int busy) {

    public static BuilderCounts of(BuildMachineStatus status) {
        if (status == null) {
            return new BuilderCounts(0, 0, 0);
        }
        return new BuilderCounts(orZero(status.getStartingBuilders()), orZero(status.getIdleBuilders()),
                orZero(status.getBusyBuilders()));
    }

    /** Every pool's three rows, zeros included, so each pool has a series per state from its creation on. */
    public static Map<Tags, Long> rows(Iterable<BuildMachine> machines) {
        Map<Tags, Long> rows = new LinkedHashMap<>();
        for (BuildMachine machine : machines) {
            BuilderCounts counts = of(machine.getStatus());
            Tags pool = Tags.of(TAG_NAMESPACE, machine.getMetadata().getNamespace(), TAG_POOL,
                    machine.getMetadata().getName());
            rows.put(pool.and(TAG_STATE, "starting"), (long) counts.starting());
            rows.put(pool.and(TAG_STATE, "idle"), (long) counts.idle());
            rows.put(pool.and(TAG_STATE, "busy"), (long) counts.busy());
        }
        return rows;
    }

    private static int orZero(Integer value) {
        return value != null ? value : 0;
    }
}
