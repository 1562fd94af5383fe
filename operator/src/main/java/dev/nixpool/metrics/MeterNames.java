package dev.nixpool.metrics;

/**
 * The operator's own meters, as Micrometer names them; Prometheus sees dots as underscores, plus {@code _total} on
 * counters and {@code _seconds} on timers (docs/metrics.md lists the exported names with their labels). Label values
 * are NixBuild and BuildMachine fields an administrator bounds (namespaces, pools, systems, feature sets, result and
 * reason vocabularies): never a build's name.
 */
public final class MeterNames {

    public static final String BUILDS_FINISHED = "nixpool.builds.finished";
    public static final String BUILDS_RETRIED = "nixpool.builds.retried";
    public static final String QUEUE_WAIT = "nixpool.build.queue.wait";
    public static final String BUILDER_START = "nixpool.builder.start";
    public static final String BUILD_DURATION = "nixpool.build.duration";
    public static final String DISPATCH_LATENCY = "nixpool.build.dispatch.latency";
    public static final String STATUS_WRITES = "nixpool.status.writes";

    public static final String BUILDS_QUEUED = "nixpool.builds.queued";
    public static final String BUILDS_WAITING = "nixpool.builds.waiting";
    public static final String BUILDERS = "nixpool.builders";

    public static final String RUNNER_THREADS = "nixpool.runner.threads";
    public static final String RUNNER_THREADS_BUSY = "nixpool.runner.threads.busy";
    public static final String RUNNER_RUNS_WAITING = "nixpool.runner.runs.waiting";

    public static final String TAG_NAMESPACE = "namespace";
    public static final String TAG_POOL = "pool";
    public static final String TAG_RESULT = "result";
    public static final String TAG_REASON = "reason";
    public static final String TAG_SYSTEM = "system";
    public static final String TAG_FEATURES = "features";
    public static final String TAG_STATE = "state";
    public static final String TAG_KIND = "kind";

    /** The value of {@link #TAG_POOL} for a build no pool holds or could take: Prometheus reads it as no pool. */
    public static final String NO_POOL = "";

    private MeterNames() {
    }
}
