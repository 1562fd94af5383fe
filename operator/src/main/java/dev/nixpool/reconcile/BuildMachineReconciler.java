package dev.nixpool.reconcile;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineStatus;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.lifecycle.BuilderPods;
import dev.nixpool.lifecycle.SchedulingInputs;
import dev.nixpool.scheduling.Eligibility;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;
import dev.nixpool.validation.SpecValidation;

/**
 * Reports a pool's state: its alive builder pods, how many run a build, how many builds wait for it, and whether its
 * spec is usable. It creates nothing: builders belong to builds.
 */
@ControllerConfiguration(name = BuildMachineReconciler.NAME)
public class BuildMachineReconciler implements Reconciler<BuildMachine> {

    public static final String NAME = "buildmachine";

    private final EventRecorder events;
    private final UnreadableReport unreadable;

    public BuildMachineReconciler(EventRecorder events, UnreadableReport unreadable) {
        this.events = events;
        this.unreadable = unreadable;
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
                        .build(),
                context);
        return List.of(pods, builds);
    }

    @Override
    public UpdateControl<BuildMachine> reconcile(BuildMachine machine, Context<BuildMachine> context) {
        if (unreadable.reported(machine, Names.CONDITION_READY)) {
            return UpdateControl.noUpdate();
        }
        String namespace = machine.getMetadata().getNamespace();
        String machineLabel = Names.labelValue(machine.getMetadata().getName());
        List<NixBuild> builds = buildsSource(context).list(namespace, b -> true).toList();
        Set<String> runningBuildUids = builds.stream()
                .filter(SchedulingInputs::holdsSlot)
                .map(b -> b.getMetadata().getUid())
                .collect(Collectors.toSet());
        List<Pod> alive = podsSource(context)
                .list(namespace, pod -> machineLabel.equals(pod.getMetadata().getLabels().get(Names.LABEL_MACHINE))
                        && BuilderPods.isAlive(pod))
                .toList();
        long busy = alive.stream().filter(pod -> runningBuildUids.stream().anyMatch(uid -> BuilderPods.isOwnedBy(pod,
                uid))).count();
        Pool pool = SchedulingInputs.pool(machine, 0, 0);
        long queued = builds.stream()
                .filter(SchedulingInputs::isWaiting)
                .filter(build -> Eligibility.isEligible(pool, SchedulingInputs.request(build)))
                .count();

        BuildMachineStatus status = StatusWriter.workingCopy(context, machine, new BuildMachineStatus());
        status.setBuilders(alive.size());
        status.setBusyBuilders((int) busy);
        status.setQueued((int) queued);
        status.setSystemsSummary(PoolSummaries.systems(machine.getSpec()));
        status.setFeaturesSummary(PoolSummaries.features(machine.getSpec()));
        status.setObservedGeneration(machine.getMetadata().getGeneration());
        List<String> problems = SpecValidation.problems(machine.getSpec());
        Instant now = Instant.now();
        if (problems.isEmpty()) {
            Conditions.set(status.getConditions(), Names.CONDITION_READY, true, Reason.SPEC_VALID,
                    "serving builds for " + String.join(", ", machine.getSpec().getSystems()),
                    machine.getMetadata().getGeneration(), now);
        } else {
            String message = "the spec is invalid: " + String.join("; ", problems);
            if (Conditions.set(status.getConditions(), Names.CONDITION_READY, false, Reason.INVALID_SPEC, message,
                    machine.getMetadata().getGeneration(), now)) {
                events.warning(machine, Reason.INVALID_SPEC, message);
            }
        }
        StatusWriter.writeIfChanged(context, machine, status);
        return UpdateControl.noUpdate();
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
