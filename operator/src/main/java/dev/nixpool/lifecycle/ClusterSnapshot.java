package dev.nixpool.lifecycle;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.scheduling.BuildRequest;

/**
 * What the informer caches show of one namespace, as the scheduler needs it.
 *
 * @param assignedBuilds build key to machine name, for builds holding a slot
 * @param builderPods pod name to machine label value, for builder pods alive
 * @param waiting builds not yet assigned, in any namespace (the queue is global)
 */
public record ClusterSnapshot(List<BuildMachine> machines, Map<String, String> assignedBuilds,
        Map<String, String> builderPods, List<BuildRequest> waiting) {

    public ClusterSnapshot {
        machines = List.copyOf(machines);
        assignedBuilds = Map.copyOf(assignedBuilds);
        builderPods = Map.copyOf(builderPods);
        waiting = List.copyOf(waiting);
    }

    Set<String> machineNames() {
        return Set.copyOf(machines.stream().map(m -> m.getMetadata().getName()).toList());
    }
}
