package dev.nixpool.lifecycle;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;

/** Facts about builder pods that more than one controller needs. */
public final class BuilderPods {

    private BuilderPods() {
    }

    /**
     * A pod holds a builder slot until it has ended: a terminating pod still runs (and still uses its node), so it counts
     * until it is gone.
     */
    public static boolean isAlive(Pod pod) {
        String phase = pod.getStatus() != null ? pod.getStatus().getPhase() : null;
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    public static boolean isOwnedBy(HasMetadata owned, String ownerUid) {
        return owned.getMetadata().getOwnerReferences() != null && owned.getMetadata().getOwnerReferences().stream()
                .anyMatch(ref -> ownerUid.equals(ref.getUid()));
    }
}
