package dev.nixpool.scheduling;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A BuildMachine as the scheduler sees it: its machines-file fields and its current use.
 *
 * @param freeSlots builds it takes now: room on its builders plus builders it may still start
 *        ({@code capacity.Capacity#freeSlots})
 * @param load Nix's load: builds running on the pool now
 * @param invalidReason why the pool's spec is unusable, or null when it is valid
 */
public record Pool(String name, List<String> systems, Set<String> supportedFeatures, Set<String> mandatoryFeatures,
        int maxJobs, double speedFactor, int freeSlots, int load, String invalidReason) {

    public Pool {
        systems = List.copyOf(systems);
        supportedFeatures = Set.copyOf(supportedFeatures);
        mandatoryFeatures = Set.copyOf(mandatoryFeatures);
    }

    /** {@code systems [x86_64-linux], supported [kvm], mandatory []}, like a row of Nix's machine table. */
    public String describe() {
        return "systems " + systems + ", maxJobs " + maxJobs + ", supported " + new TreeSet<>(supportedFeatures)
                + ", mandatory " + new TreeSet<>(mandatoryFeatures);
    }
}
