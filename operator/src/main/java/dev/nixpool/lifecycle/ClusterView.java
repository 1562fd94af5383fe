package dev.nixpool.lifecycle;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.BuildMachine;

/** What lifecycle steps read of the cluster: the informer caches, behind a narrow interface. */
public interface ClusterView {

    ClusterSnapshot snapshot(String namespace);

    Optional<BuildMachine> machine(String namespace, String name);

    Optional<Pod> builderPod(String namespace, String name);
}
