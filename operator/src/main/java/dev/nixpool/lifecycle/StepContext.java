package dev.nixpool.lifecycle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;

/**
 * One run of a lifecycle step: the build as the reconcile saw it, a working copy of its status that the step changes,
 * and the Events to publish once the status is written.
 */
public final class StepContext {

    /** An Event a step wants the user to see. */
    public record PendingEvent(boolean warning, Reason reason, String message) {
    }

    private final NixBuild build;
    private final NixBuildStatus status;
    private final ClusterView cluster;
    private final Instant now;
    private final List<PendingEvent> events = new ArrayList<>();
    private boolean ended;

    public StepContext(NixBuild build, NixBuildStatus status, ClusterView cluster, Instant now) {
        this.build = build;
        this.status = status;
        this.cluster = cluster;
        this.now = now;
    }

    public NixBuild build() {
        return build;
    }

    public NixBuildStatus status() {
        return status;
    }

    public ClusterView cluster() {
        return cluster;
    }

    public Instant now() {
        return now;
    }

    public String namespace() {
        return build.getMetadata().getNamespace();
    }

    /**
     * Sets a condition through the one conditions helper; true when status, reason or message changed. Only
     * {@link Transitions} writes conditions and Events, so that a phase and what it says are set together.
     */
    boolean condition(String type, boolean value, Reason reason, String message) {
        return Conditions.set(status.getConditions(), type, value, reason, message,
                build.getMetadata().getGeneration(), now);
    }

    /** Whether a step moved the build to a final phase in this run (rather than an earlier reconcile). */
    boolean endedNow() {
        return ended;
    }

    void ended() {
        ended = true;
    }

    void normalEvent(Reason reason, String message) {
        events.add(new PendingEvent(false, reason, message));
    }

    void warningEvent(Reason reason, String message) {
        events.add(new PendingEvent(true, reason, message));
    }

    public List<PendingEvent> events() {
        return List.copyOf(events);
    }
}
