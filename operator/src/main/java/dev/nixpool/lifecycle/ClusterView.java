package dev.nixpool.lifecycle;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;

/** What lifecycle steps read of the cluster: the informer caches, behind a narrow interface. */
public interface ClusterView {

    ClusterSnapshot snapshot(String namespace);

    Optional<Pod> builderPod(String namespace, String name);
}
