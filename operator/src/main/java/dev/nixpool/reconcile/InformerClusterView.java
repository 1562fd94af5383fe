package dev.nixpool.reconcile;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.lifecycle.ClusterSnapshot;
import dev.nixpool.lifecycle.ClusterView;

/** The NixBuild controller's informer caches: NixBuilds (primary), BuildMachines and builder pods (secondary). */
final class InformerClusterView implements ClusterView {

    private final IndexedResourceCache<NixBuild> builds;
    private final InformerEventSource<BuildMachine, NixBuild> machines;
    private final InformerEventSource<Pod, NixBuild> pods;
    private final WaitingBuilds waiting;
    private ClusterSnapshot snapshot;
    private String snapshotNamespace;

    InformerClusterView(Context<NixBuild> context, WaitingBuilds waiting) {
        this(context.getPrimaryCache(), machines(context), pods(context), waiting);
    }

    /** Outside a reconcile (a deleted build's clean-up): the same caches, held by the reconciler. */
    InformerClusterView(IndexedResourceCache<NixBuild> builds, InformerEventSource<BuildMachine, NixBuild> machines,
            InformerEventSource<Pod, NixBuild> pods, WaitingBuilds waiting) {
        this.builds = builds;
        this.machines = machines;
        this.pods = pods;
        this.waiting = waiting;
    }

    /**
     * Taken once per reconcile (steps of one reconcile see the same view), from the caches' indexes: the builds holding
     * a slot, the failed ones naming a builder and the waiting ones of the namespace, never a scan of every build.
     */
    @Override
    public ClusterSnapshot snapshot(String namespace) {
        if (snapshot == null || !namespace.equals(snapshotNamespace)) {
            List<BuildMachine> machines = this.machines.list(namespace, m -> true).toList();
            List<Pod> pods = this.pods.list(namespace, p -> true).toList();
            Stream<NixBuild> relevant = Stream.concat(builds.byIndex(BuildIndexes.HOLDING, namespace).stream(),
                    builds.byIndex(BuildIndexes.FAILED_ON, namespace).stream());
            snapshot = Snapshots.of(machines, relevant, pods, waiting.requests(namespace).stream());
            snapshotNamespace = namespace;
        }
        return snapshot;
    }

    @Override
    public boolean mayMovePosition(String namespace, String buildKey) {
        return waiting.positions().take(namespace, buildKey, System.nanoTime());
    }

    @Override
    public void firstPositionShown(String namespace) {
        waiting.positions().arrived(namespace, System.nanoTime());
    }

    @Override
    public Optional<Pod> builderPod(String namespace, String name) {
        return pods.get(new ResourceID(name, namespace));
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<BuildMachine, NixBuild> machines(Context<NixBuild> context) {
        return (InformerEventSource<BuildMachine, NixBuild>) context.eventSourceRetriever()
                .getEventSourceFor(BuildMachine.class);
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<Pod, NixBuild> pods(Context<NixBuild> context) {
        return (InformerEventSource<Pod, NixBuild>) context.eventSourceRetriever().getEventSourceFor(Pod.class);
    }
}
