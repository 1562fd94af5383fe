package dev.nixpool.status;

import dev.nixpool.api.v1alpha1.BuildMachineStatus;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

/**
 * Bounds a whole status before it is written, field by field ({@link StatusText}): the one place every status passes,
 * so a field set anywhere (a pod's message in a condition, a hostile builder's log in the tail) cannot make the object
 * too large to store. Conditions are bounded where they are set ({@link Conditions}).
 */
public final class StatusBounds {

    private StatusBounds() {
    }

    /** Bounds the status in place if it is one of ours; other objects are left alone. */
    public static void apply(Object status) {
        if (status instanceof NixBuildStatus build) {
            apply(build);
        } else if (status instanceof BuildMachineStatus machine) {
            apply(machine);
        }
    }

    static void apply(NixBuildStatus status) {
        status.setLogTail(StatusText.bounded(status.getLogTail(), StatusText.LOG_TAIL));
        status.setDerivation(StatusText.bounded(status.getDerivation(), StatusText.SHORT));
        status.setBuildStatus(StatusText.bounded(status.getBuildStatus(), StatusText.SHORT));
        status.setMachine(StatusText.bounded(status.getMachine(), StatusText.SHORT));
        status.setBuilder(StatusText.bounded(status.getBuilder(), StatusText.SHORT));
    }

    static void apply(BuildMachineStatus status) {
        status.setSystemsSummary(StatusText.bounded(status.getSystemsSummary(), StatusText.SHORT));
        status.setFeaturesSummary(StatusText.bounded(status.getFeaturesSummary(), StatusText.SHORT));
        status.setSelector(StatusText.bounded(status.getSelector(), StatusText.SHORT));
    }
}
