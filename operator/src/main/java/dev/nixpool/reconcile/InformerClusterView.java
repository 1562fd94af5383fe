package dev.nixpool.reconcile;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.lifecycle.ClusterSnapshot;
import dev.nixpool.lifecycle.ClusterView;
import dev.nixpool.lifecycle.SchedulingInputs;

/** The NixBuild controller's informer caches: NixBuilds (primary), BuildMachines and builder pods (secondary). */
final class InformerClusterView implements ClusterView {

    private final Context<NixBuild> context;
    private ClusterSnapshot snapshot;
    private String snapshotNamespace;

    InformerClusterView(Context<NixBuild> context) {
        this.context = context;
    }

    /** Taken once per reconcile (steps of one reconcile see the same view). */
    @Override
    public ClusterSnapshot snapshot(String namespace) {
        if (snapshot == null || !namespace.equals(snapshotNamespace)) {
            List<BuildMachine> machines = machines().list(namespace, m -> true).toList();
            List<Pod> pods = pods().list(namespace, p -> true).toList();
            snapshot = Snapshots.of(machines, context.getPrimaryCache().list(namespace, b -> true), pods,
                    context.getPrimaryCache().list(SchedulingInputs::isWaiting).map(SchedulingInputs::request));
            snapshotNamespace = namespace;
        }
        return snapshot;
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
}
