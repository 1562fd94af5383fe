package dev.nixpool.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineStatus;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.gatewayops.GatewayIdentity;
import dev.nixpool.lifecycle.ClusterSnapshot;
import dev.nixpool.lifecycle.KeptConnections;
import dev.nixpool.lifecycle.PoolScaler;
import dev.nixpool.lifecycle.SchedulingInputs;
import dev.nixpool.scheduling.Eligibility;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;
import dev.nixpool.validation.SpecValidation;

/**
 * A pool's capacity and state: starts and stops its builders ({@link PoolScaler}: minIdle warm ones, idle ones past
 * their timeout, done ones) and reports its builders by state, the builds waiting for it and whether its spec is usable.
 * Deleting a BuildMachine drains it: it takes no new build, its running builds finish, and the finalizer goes once its
 * last builder is gone.
 */
@ControllerConfiguration(name = BuildMachineReconciler.NAME, finalizerName = Names.FINALIZER)
public class BuildMachineReconciler implements Reconciler<BuildMachine>, Cleaner<BuildMachine> {

    public static final String NAME = "buildmachine";
    static final String WARMED = "warmed";
    /** A draining pool looks again this often even without events (its builds' ends are events too). */
    static final Duration DRAIN_REQUEUE = Duration.ofSeconds(10);

    private final EventRecorder events;
    private final UnreadableReport unreadable;
    private final PoolScaler scaler;
    private final KeptConnections connections;
    private final GatewayIdentity gateway;
    private final QueuedFigurePacing pacing;

    public BuildMachineReconciler(EventRecorder events, UnreadableReport unreadable, PoolScaler scaler,
            KeptConnections connections, GatewayIdentity gateway, NixpoolConfig config) {
        this.gateway = gateway;
        this.pacing = new QueuedFigurePacing(config.scheduling().poolStatusInterval());
        this.events = events;
        this.unreadable = unreadable;
        this.scaler = scaler;
        this.connections = connections;
    }

    @Override
    public List<EventSource<?, BuildMachine>> prepareEventSources(EventSourceContext<BuildMachine> context) {
        IndexerResourceCache<BuildMachine> machines = context.getPrimaryCache();
        InformerEventSource<Pod, BuildMachine> pods = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, BuildMachine.class)
                        .withLabelSelector(Names.BUILDER_SELECTOR)
                        .withSecondaryToPrimaryMapper(pod -> machinesIn(machines, pod.getMetadata().getNamespace(),
                                pod.getMetadata().getLabels().get(Names.LABEL_MACHINE)))
                        .build(),
                context);
        InformerEventSource<NixBuild, BuildMachine> builds = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(NixBuild.class, BuildMachine.class)
                        .withSecondaryToPrimaryMapper(
                                build -> machinesIn(machines, build.getMetadata().getNamespace(), null))
                        // a build's status says more with every step; its pools care when it takes or gives back
                        // a builder, or starts or stops waiting
                        .withOnUpdateFilter(BuildIndexes::schedulingChanged)
                        .build(),
                context);
        builds.addIndexers(BuildIndexes.all());
        // a builder's kept connection warmed: it is idle from now on (status, placement preference)
        SimpleInboundEventSource<BuildMachine> warmed = new SimpleInboundEventSource<>(WARMED);
        connections.onWarmed((namespace, name) -> warmed.propagateEvent(new ResourceID(name, namespace)));
        return List.of(pods, builds, warmed);
    }

    @Override
    public UpdateControl<BuildMachine> reconcile(BuildMachine machine, Context<BuildMachine> context) {
        if (unreadable.reported(machine, Names.CONDITION_READY)) {
            return UpdateControl.noUpdate();
        }
        Instant now = Instant.now();
        PoolScaler.Outcome scaled = scaler.scale(machine, snapshot(machine, context), now);
        connections.keep(machine, scaled.ready());
        scaled = scaled.recounted(connections::warming);
        List<String> problems = SpecValidation.problems(machine.getSpec());
        Optional<Instant> catchUp;
        if (problems.isEmpty()) {
            catchUp = writeStatus(machine, context, scaled, now, true, Reason.SPEC_VALID,
                    "serving builds for " + String.join(", ", machine.getSpec().getSystems()));
        } else {
            catchUp = writeStatus(machine, context, scaled, now, false, Reason.INVALID_SPEC,
                    "the spec is invalid: " + String.join("; ", problems));
        }
        UpdateControl<BuildMachine> control = UpdateControl.noUpdate();
        return Stream.concat(scaled.nextLook().stream(), catchUp.stream()).min(Instant::compareTo)
                .map(at -> control.rescheduleAfter(delay(now, at))).orElse(control);
    }

    /**
     * Deletion drains: no new build is given to the pool (the scheduler sees it being deleted), idle builders stop at
     * once, busy ones when their builds end; the finalizer goes when no builder, key Secret or store claim is left.
     */
    @Override
    public DeleteControl cleanup(BuildMachine machine, Context<BuildMachine> context) {
        Instant now = Instant.now();
        PoolScaler.Outcome scaled = scaler.scale(machine, snapshot(machine, context), now);
        connections.keep(machine, scaled.ready());
        scaled = scaled.recounted(connections::warming);
        if (scaled.counts().total() == 0 && scaler.deleteRemains(machine)) {
            pacing.forget(key(machine));
            return DeleteControl.defaultDelete();
        }
        writeStatus(machine, context, scaled, now, false, Reason.DRAINING, "being deleted: waiting for "
                + scaled.counts().busy() + " busy builder(s) to finish their builds and " + scaled.counts().total()
                + " builder pod(s) to go");
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(DRAIN_REQUEUE);
    }

    /**
     * The status once, then the Events: the Ready condition's when it changes (but SpecValid), the scaler's. A change of
     * the {@code queued} figure alone waits for its turn ({@link QueuedFigurePacing}): then the time to look again.
     */
    private Optional<Instant> writeStatus(BuildMachine machine, Context<BuildMachine> context,
            PoolScaler.Outcome scaled,
            Instant now, boolean ready, Reason reason, String message) {
        BuildMachineStatus status = StatusWriter.workingCopy(context, machine, new BuildMachineStatus());
        status.setBuilders(scaled.counts().total());
        status.setStartingBuilders(scaled.counts().starting());
        status.setIdleBuilders(scaled.counts().idle());
        status.setBusyBuilders(scaled.counts().busy());
        status.setQueued((int) queued(machine, context));
        status.setSelector(Names.poolSelector(machine.getMetadata().getName()));
        status.setSystemsSummary(PoolSummaries.systems(machine.getSpec()));
        status.setFeaturesSummary(PoolSummaries.features(machine.getSpec()));
        status.setMachinesLine(gateway.machinesLine(machine, context.getPrimaryCache().list().toList()).orElse(null));
        status.setObservedGeneration(machine.getMetadata().getGeneration());
        boolean changed = Conditions.set(status.getConditions(), Names.CONDITION_READY, ready, reason, message,
                machine.getMetadata().getGeneration(), now);
        Integer shown = machine.getStatus() != null ? machine.getStatus().getQueued() : null;
        QueuedFigurePacing.Decision decision = pacing.decide(key(machine), now, status, shown,
                s -> StatusWriter.changes(context, machine, s));
        if (decision.write()) {
            StatusWriter.write(context, machine, status);
            pacing.wrote(key(machine), now);
        }
        if (changed && !ready) {
            events.warning(machine, reason, message);
        }
        scaled.events().forEach(event -> {
            if (event.warning()) {
                events.warning(machine, event.reason(), event.message());
            } else {
                events.normal(machine, event.reason(), event.message());
            }
        });
        return decision.lookAgain();
    }

    private static String key(BuildMachine machine) {
        return machine.getMetadata().getNamespace() + "/" + machine.getMetadata().getName();
    }

    private ClusterSnapshot snapshot(BuildMachine machine, Context<BuildMachine> context) {
        String namespace = machine.getMetadata().getNamespace();
        List<BuildMachine> machines = context.getPrimaryCache().list(namespace, m -> true).toList();
        List<Pod> pods = podsSource(context).list(namespace, p -> true).toList();
        InformerEventSource<NixBuild, BuildMachine> builds = buildsSource(context);
        return Snapshots.of(machines, Stream.concat(builds.byIndex(BuildIndexes.HOLDING, namespace).stream(),
                builds.byIndex(BuildIndexes.FAILED_ON, namespace).stream()), pods, Stream.empty());
    }

    private static long queued(BuildMachine machine, Context<BuildMachine> context) {
        Pool pool = SchedulingInputs.pool(machine, 0, 0);
        return buildsSource(context).byIndex(BuildIndexes.WAITING, machine.getMetadata().getNamespace()).stream()
                .filter(build -> Eligibility.isEligible(pool, SchedulingInputs.request(build)))
                .count();
    }

    private static Duration delay(Instant now, Instant at) {
        Duration delay = Duration.between(now, at).plusMillis(500);
        return delay.isNegative() ? Duration.ZERO : delay;
    }

    /** Machines of a namespace; with a label value, only the one whose (bounded) name it is. */
    private static Set<ResourceID> machinesIn(IndexerResourceCache<BuildMachine> machines, String namespace,
            String machineLabel) {
        return machines.list(namespace,
                m -> machineLabel == null || machineLabel.equals(Names.labelValue(m.getMetadata().getName())))
                .map(ResourceID::fromResource)
                .collect(Collectors.toCollection(HashSet::new));
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<NixBuild, BuildMachine> buildsSource(Context<BuildMachine> context) {
        return (InformerEventSource<NixBuild, BuildMachine>) context.eventSourceRetriever()
                .getEventSourceFor(NixBuild.class);
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<Pod, BuildMachine> podsSource(Context<BuildMachine> context) {
        return (InformerEventSource<Pod, BuildMachine>) context.eventSourceRetriever().getEventSourceFor(Pod.class);
    }
}
