package dev.nixpool.reconcile;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.lifecycle.BuilderPods;
import dev.nixpool.lifecycle.ClusterSnapshot;
import dev.nixpool.lifecycle.ClusterView;
import dev.nixpool.lifecycle.SchedulingInputs;
import dev.nixpool.scheduling.BuildRequest;

/** The NixBuild controller's informer caches: NixBuilds (primary), BuildMachines and builder pods (secondary). */
final class InformerClusterView implements ClusterView {

    private final Context<NixBuild> context;

    InformerClusterView(Context<NixBuild> context) {
        this.context = context;
    }

    @Override
    public ClusterSnapshot snapshot(String namespace) {
        List<BuildMachine> machines = machines().list(namespace, m -> true).toList();
        Map<String, String> assigned = new HashMap<>();
        context.getPrimaryCache().list(namespace, SchedulingInputs::holdsSlot)
                .forEach(b -> assigned.put(key(b), SchedulingInputs.machineOf(b)));
        Map<String, String> pods = new HashMap<>();
        pods().list(namespace, BuilderPods::isAlive)
                .forEach(
                        p -> pods.put(p.getMetadata().getName(), p.getMetadata().getLabels().get(Names.LABEL_MACHINE)));
        List<BuildRequest> waiting = context.getPrimaryCache().list(SchedulingInputs::isWaiting)
                .map(SchedulingInputs::request)
                .toList();
        return new ClusterSnapshot(machines, assigned, pods, waiting);
    }

    @Override
    public Optional<Pod> builderPod(String namespace, String name) {
        return pods().get(new ResourceID(name, namespace));
    }

    @SuppressWarnings("unchecked")
    private InformerEventSource<BuildMachine, NixBuild> machines() {
        return (InformerEventSource<BuildMachine, NixBuild>) context.eventSourceRetriever()
                .getEventSourceFor(BuildMachine.class);
    }

    @SuppressWarnings("unchecked")
    private InformerEventSource<Pod, NixBuild> pods() {
        return (InformerEventSource<Pod, NixBuild>) context.eventSourceRetriever().getEventSourceFor(Pod.class);
    }

    private static String key(NixBuild build) {
        return build.getMetadata().getNamespace() + "/" + build.getMetadata().getName();
    }
}
