package dev.nixpool.scheduling;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A BuildMachine as the scheduler sees it: its machines-file fields and its current use.
 *
 * @param oneBuildPerPod every build gets its own builder pod, so the pod cap limits builds too
 * @param buildsInFlight builds assigned to the pool and not finished
 * @param builderPods builder pods of the pool alive or about to be created
 * @param invalidReason why the pool's spec is unusable, or null when it is valid
 */
public record Pool(String name, List<String> systems, Set<String> supportedFeatures, Set<String> mandatoryFeatures,
        int maxJobs, double speedFactor, int maxBuilders, boolean oneBuildPerPod, int buildsInFlight,
        int builderPods, String invalidReason) {

    public Pool {
        systems = List.copyOf(systems);
        supportedFeatures = Set.copyOf(supportedFeatures);
        mandatoryFeatures = Set.copyOf(mandatoryFeatures);
    }

    /** Slots left: maxBuilders x maxJobs builds, and for one-build-per-pod pools at most maxBuilders pods. */
    public int freeSlots() {
        long slots = (long) maxBuilders * maxJobs - buildsInFlight;
        if (oneBuildPerPod) {
            slots = Math.min(slots, (long) maxBuilders - builderPods);
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, slots));
    }

    /** Nix's load: builds running on the machine now. */
    public int load() {
        return buildsInFlight;
    }

    /** {@code systems [x86_64-linux], supported [kvm], mandatory []}, like a row of Nix's machine table. */
    public String describe() {
        return "systems " + systems + ", maxJobs " + maxJobs + ", supported " + new TreeSet<>(supportedFeatures)
                + ", mandatory " + new TreeSet<>(mandatoryFeatures);
    }
}
