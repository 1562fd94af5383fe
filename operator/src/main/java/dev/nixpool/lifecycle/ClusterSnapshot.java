package dev.nixpool.lifecycle;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.scheduling.BuildRequest;

/**
 * What the informer caches show of one namespace, as the capacity decisions need it.
 *
 * @param claims build key to its pool and builder pod, for builds holding a slot (the pod may be null while unknown)
 * @param builderPods the namespace's builder pods that have not ended
 * @param failedOn builder pods named by a Failed build (kept for inspection with nixpool.builder.keep-failed)
 * @param waiting builds not yet assigned, in any namespace (the queue is global)
 */
public record ClusterSnapshot(List<BuildMachine> machines, Map<String, Claim> claims, List<Pod> builderPods,
        Set<String> failedOn, List<BuildRequest> waiting) {

    /** A build's hold on a pool and one of its builders. */
    public record Claim(String machine, String pod) {
    }

    public ClusterSnapshot {
        machines = List.copyOf(machines);
        claims = Map.copyOf(claims);
        builderPods = List.copyOf(builderPods);
        failedOn = Set.copyOf(failedOn);
        waiting = List.copyOf(waiting);
    }

    Set<String> machineNames() {
        return Set.copyOf(machines.stream().map(m -> m.getMetadata().getName()).toList());
    }

    public java.util.Optional<BuildMachine> machine(String name) {
        return machines.stream().filter(m -> m.getMetadata().getName().equals(name)).findFirst();
    }
}
