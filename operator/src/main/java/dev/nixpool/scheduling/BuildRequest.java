package dev.nixpool.scheduling;

import java.time.Instant;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the scheduler needs to know of a NixBuild.
 *
 * @param created the creationTimestamp: the global queue is first come, first served
 * @param pinnedMachine the BuildMachine named by {@code spec.machine}, or null
 */
public record BuildRequest(String namespace, String name, Instant created, String system,
        Set<String> requiredFeatures, String pinnedMachine) {

    /** Queue order: older first, then namespace/name so that equal timestamps still have one stable order. */
    public static final Comparator<BuildRequest> QUEUE_ORDER = Comparator
            .comparing(BuildRequest::created, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(BuildRequest::namespace)
            .thenComparing(BuildRequest::name);

    public BuildRequest {
        requiredFeatures = Set.copyOf(requiredFeatures);
    }

    public String key() {
        return key(namespace, name);
    }

    /** How the ledger and the backoff know a build: namespace/name. */
    public static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    /** {@code (x86_64-linux, [kvm])}, as Nix prints "required (system, features)". */
    public String describeNeeds() {
        return "(" + system + ", " + new TreeSet<>(requiredFeatures) + ")";
    }
}
