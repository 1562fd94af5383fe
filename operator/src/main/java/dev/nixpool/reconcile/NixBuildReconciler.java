package dev.nixpool.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.lifecycle.CapacityLedger;
import dev.nixpool.lifecycle.ClusterView;
import dev.nixpool.lifecycle.NixBuildLifecycle;
import dev.nixpool.lifecycle.StepContext;
import dev.nixpool.lifecycle.StepOutcome;
import dev.nixpool.logs.LogStore;
import dev.nixpool.metrics.BuildMetrics;
import dev.nixpool.metrics.ClusterGauges;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.status.Reason;

/**
 * Thin: runs the lifecycle on the build, writes the status once and publishes the lifecycle's Events; an error the
 * lifecycle did not handle goes to its error path (see {@link #updateErrorStatus}). Builds are woken by events (a
 * BuildMachine appears or changes, a builder pod changes or goes away, the build's run connects, knows its derivation
 * or finishes) with a long requeue as a safety net.
 * <p>
 * Deletion: the finalizer is added after the lifecycle's first run, in the same reconcile (not in a reconcile of its
 * own before it, as JOSDK does for a {@code Cleaner}: one API write less on every build's way to its builder), and
 * {@link BuildDeletions} cleans a deleted build up, never while a reconcile of it runs.
 */
@ControllerConfiguration(name = NixBuildReconciler.NAME)
public class NixBuildReconciler implements Reconciler<NixBuild> {

    public static final String NAME = "nixbuild";

    private final NixBuildLifecycle lifecycle;
    private final EventRecorder events;
    private final BuildRunner runner;
    private final CapacityLedger ledger;
    private final LogStore logs;
    private final UnreadableReport unreadable;
    private final BuildMetrics metrics;
    private final ClusterGauges gauges;
    private final Duration refresh;
    private final int positionWrites;
    /** Deleted builds' clean-up; set with the event sources, before the first reconcile. */
    private BuildDeletions deletions;
    /** The waiting builds as the caches show them; set once the event sources exist, before the first reconcile. */
    private WaitingBuilds waiting;

    public NixBuildReconciler(NixBuildLifecycle lifecycle, EventRecorder events, BuildRunner runner,
            CapacityLedger ledger, LogStore logs, UnreadableReport unreadable, BuildMetrics metrics,
            ClusterGauges gauges, NixpoolConfig config) {
        this.lifecycle = lifecycle;
        this.events = events;
        this.runner = runner;
        this.ledger = ledger;
        this.logs = logs;
        this.unreadable = unreadable;
        this.metrics = metrics;
        this.gauges = gauges;
        this.refresh = config.scheduling().queueRefresh();
        this.positionWrites = config.scheduling().queuePositionWrites();
    }

    @Override
    public List<EventSource<?, NixBuild>> prepareEventSources(EventSourceContext<NixBuild> context) {
        IndexerResourceCache<NixBuild> builds = context.getPrimaryCache();
        builds.addIndexers(BuildIndexes.all());
        InformerEventSource<BuildMachine, NixBuild> machines = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(BuildMachine.class, NixBuild.class)
                        .withSecondaryToPrimaryMapper(
                                machine -> waitingIn(builds, machine.getMetadata().getNamespace()))
                        // a pool's status (its builder counts) changes with every build: only its spec and its
                        // deletion change where builds may go
                        .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(),
                                before.getMetadata().getGeneration())
                                || !Objects.equals(now.getMetadata().getDeletionTimestamp(),
                                        before.getMetadata().getDeletionTimestamp()))
                        .build(),
                context);
        WaitingBuilds queue = new WaitingBuilds(builds, machines, ledger, new PositionBudget(positionWrites));
        this.waiting = queue;
        InformerEventSource<Pod, NixBuild> pods = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, NixBuild.class)
                        .withLabelSelector(Names.BUILDER_SELECTOR)
                        .withSecondaryToPrimaryMapper(pod -> usersAndContenders(builds, queue, pod))
                        .build(),
                context);
        RunEventSource runs = new RunEventSource();
        runner.listen(runs);
        runner.listenUploads(runs);
        CapacityEventSource capacity = new CapacityEventSource(queue);
        ledger.onRelease(capacity);
        QueuePositionSource positions = new QueuePositionSource(queue, refresh, queue.positions());
        gauges.watch(builds, machines);
        deletions = new BuildDeletions(context.getClient(),
                build -> cleanup(build, new InformerClusterView(builds, machines, pods, queue)));
        return List.of(machines, pods, runs, capacity, positions, deletions);
    }

    @Override
    public UpdateControl<NixBuild> reconcile(NixBuild build, Context<NixBuild> context) {
        synchronized (deletions.lockOf(build)) {
            // cleaned up meanwhile, or being deleted (its clean-up is queued): nothing more is decided for it
            if (deletions.deleted(build) || build.isMarkedForDeletion()) {
                return UpdateControl.noUpdate();
            }
            if (unreadable.reported(build, Names.CONDITION_SCHEDULED)) {
                return UpdateControl.noUpdate();
            }
            NixBuildStatus status = StatusWriter.workingCopy(context, build, new NixBuildStatus());
            StepContext step = new StepContext(build, status, new InformerClusterView(context, waiting),
                    Instant.now());
            StepOutcome outcome = lifecycle.run(step);
            NixBuild current = write(build, context, step);
            Finalizer.add(context, current);
            UpdateControl<NixBuild> control = UpdateControl.noUpdate();
            return outcome.requeueAfter().map(delay -> control.rescheduleAfter(delay)).orElse(control);
        }
    }

    /**
     * The reconcile threw. A stale read is retried with fresh data; other errors are said in an Event while JOSDK
     * retries, and once its retries are used up the build fails with the error in its status, and gives back its slot.
     */
    @Override
    public ErrorStatusUpdateControl<NixBuild> updateErrorStatus(NixBuild build, Context<NixBuild> context,
            Exception error) {
        ReconcileErrors.Verdict verdict = ReconcileErrors.verdict(error, context.getRetryInfo());
        if (verdict == ReconcileErrors.Verdict.RETRY_QUIETLY) {
            return ErrorStatusUpdateControl.defaultErrorProcessing();
        }
        if (verdict == ReconcileErrors.Verdict.RETRY) {
            events.warning(build, Reason.INTERNAL_ERROR, "reconciling failed, retrying: " + error);
            return ErrorStatusUpdateControl.defaultErrorProcessing();
        }
        synchronized (deletions.lockOf(build)) {
            ErrorStatusUpdateControl<NixBuild> control = ErrorStatusUpdateControl.<NixBuild>noStatusUpdate()
                    .withNoRetry();
            if (deletions.deleted(build) || build.isMarkedForDeletion()) {
                return control;
            }
            NixBuildStatus status = StatusWriter.workingCopy(context, build, new NixBuildStatus());
            StepContext step = new StepContext(build, status, new InformerClusterView(context, waiting),
                    Instant.now());
            StepOutcome outcome = lifecycle.failOnError(step, error);
            write(build, context, step);
            return outcome.requeueAfter().map(control::rescheduleAfter).orElse(control);
        }
    }

    /**
     * The status once, then the metrics of the change and the step's Events (an Event about a status that was never
     * written would mislead, and a write that lost a conflict is retried: counted then).
     */
    private NixBuild write(NixBuild build, Context<NixBuild> context, StepContext step) {
        step.status().setObservedGeneration(build.getMetadata().getGeneration());
        Optional<NixBuild> written = StatusWriter.written(context, build, step.status());
        if (written.isPresent()) {
            metrics.statusWritten(build, step.status(), step.now());
            // marked meanwhile: JOSDK takes the mark's event for this write's and drops both, so say it here
            deletions.markedForDeletion(written.get());
        }
        step.events().forEach(event -> {
            if (event.warning()) {
                events.warning(build, event.reason(), event.message());
            } else {
                events.normal(build, event.reason(), event.message());
            }
        });
        return written.orElse(build);
    }

    /**
     * Deletion: stop the build's runs first (closing the session ends the remote build), give back its builder, delete
     * an ephemeral builder ourselves (no garbage collector is trusted), then its logs. The builder goes back before its
     * pod is deleted: the release is the event that wakes the builds waiting for capacity, and a build woken while the
     * claim still stood would see the pool full and wait for an event that has already passed.
     */
    private void cleanup(NixBuild build, ClusterView cluster) {
        NixBuildStatus status = build.getStatus() != null ? build.getStatus() : new NixBuildStatus();
        lifecycle.deleted(new StepContext(build, status, cluster, Instant.now()));
        logs.delete(build.getMetadata().getNamespace(), build.getMetadata().getName());
        unreadable.forget(build);
        waiting.forget(build);
    }

    /** A new or changed pool may take any waiting build of its namespace. */
    private static Set<ResourceID> waitingIn(IndexerResourceCache<NixBuild> builds, String namespace) {
        return builds.byIndex(BuildIndexes.WAITING, namespace).stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toCollection(HashSet::new));
    }

    /**
     * A builder pod's news concerns the builds it runs or starts for; a new, Ready or ended one changes capacity for the
     * waiting builds that could take it (the head of the queue), not for the ones behind them.
     */
    private static Set<ResourceID> usersAndContenders(IndexerResourceCache<NixBuild> builds, WaitingBuilds queue,
            Pod pod) {
        String namespace = pod.getMetadata().getNamespace();
        Set<ResourceID> targets = new HashSet<>(queue.contenders(namespace));
        builds.byIndex(BuildIndexes.BUILDER, BuildIndexes.podKey(namespace, pod.getMetadata().getName()))
                .forEach(build -> targets.add(ResourceID.fromResource(build)));
        return targets;
    }
}
