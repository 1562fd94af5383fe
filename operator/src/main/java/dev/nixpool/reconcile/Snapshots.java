package dev.nixpool.reconcile;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.lifecycle.ClusterSnapshot;
import dev.nixpool.lifecycle.SchedulingInputs;
import dev.nixpool.scheduling.BuildRequest;

/** Builds the capacity decisions' view of a namespace from what the informer caches hold. */
final class Snapshots {

    private Snapshots() {
    }

    /**
     * @param builds the NixBuilds of the namespace
     * @param waiting the builds waiting in every namespace (the queue is global), or an empty stream where not needed
     */
    static ClusterSnapshot of(List<BuildMachine> machines, Stream<NixBuild> builds, List<Pod> pods,
            Stream<BuildRequest> waiting) {
        Map<String, ClusterSnapshot.Claim> claims = new HashMap<>();
        Set<String> failedOn = new HashSet<>();
        builds.forEach(build -> {
            if (SchedulingInputs.holdsSlot(build)) {
                claims.put(SchedulingInputs.key(build), new ClusterSnapshot.Claim(SchedulingInputs.machineOf(build),
                        build.getStatus().getBuilder()));
            } else if (build.getStatus() != null && build.getStatus().getPhase() == NixBuildPhase.Failed
                    && build.getStatus().getBuilder() != null) {
                failedOn.add(build.getStatus().getBuilder());
            }
        });
        return new ClusterSnapshot(machines, claims, pods, failedOn, waiting.toList());
    }
}
