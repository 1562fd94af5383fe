package dev.nixpool.lifecycle;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;

/** What lifecycle steps read of the cluster: the informer caches, behind a narrow interface. */
public interface ClusterView {

    ClusterSnapshot snapshot(String namespace);

    Optional<Pod> builderPod(String namespace, String name);

    /**
     * Whether a waiting build whose queue position moved may show the new one now (a status write): positions are
     * rewritten within one budget per namespace, and a build refused keeps the position it shows until its turn.
     */
    default boolean mayMovePosition(String namespace, String buildKey) {
        return true;
    }

    /**
     * A waiting build shows its first queue position now: a status write the namespace's position budget pays for, so
     * that a burst of new builds holds back the rewrites of the positions of the builds already waiting.
     */
    default void firstPositionShown(String namespace) {
    }
}
