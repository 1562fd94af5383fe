package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.capacity.PoolSettings;
import dev.nixpool.scheduling.BuildRequest;
import dev.nixpool.scheduling.Pool;
import dev.nixpool.validation.SpecValidation;

/** Turns the custom resources into the scheduler's plain inputs. */
public final class SchedulingInputs {

    private SchedulingInputs() {
    }

    public static BuildRequest request(NixBuild build) {
        String created = build.getMetadata().getCreationTimestamp();
        return new BuildRequest(build.getMetadata().getNamespace(), build.getMetadata().getName(),
                created != null ? Instant.parse(created) : null, build.getSpec().getSystem(),
                new HashSet<>(orEmpty(build.getSpec().getRequiredSystemFeatures())), build.getSpec().getMachine());
    }

    /** The build's key in the ledger and the backoff, as {@link BuildRequest#key()}, without needing a spec. */
    public static String key(NixBuild build) {
        return BuildRequest.key(build.getMetadata().getNamespace(), build.getMetadata().getName());
    }

    /** The pool as the scheduler sees it, with its free slots and load from the capacity ledger. */
    public static Pool pool(BuildMachine machine, int freeSlots, int load) {
        BuildMachineSpec spec = machine.getSpec();
        List<String> problems = SpecValidation.problems(spec);
        String invalid = problems.isEmpty() ? null : String.join("; ", problems);
        if (invalid == null && machine.getMetadata().getDeletionTimestamp() != null) {
            invalid = "the BuildMachine is being deleted";
        }
        if (spec == null) {
            return new Pool(machine.getMetadata().getName(), List.of(), Set.of(), Set.of(), 1, 1, 0, load, invalid);
        }
        return new Pool(machine.getMetadata().getName(), orEmpty(spec.getSystems()),
                new HashSet<>(orEmpty(spec.getSupportedFeatures())),
                new HashSet<>(orEmpty(spec.getMandatoryFeatures())),
                spec.getMaxJobs() != null ? spec.getMaxJobs() : 1,
                spec.getSpeedFactor() != null ? spec.getSpeedFactor() : 1.0, freeSlots, load, invalid);
    }

    /** The pool's capacity settings; defaults as the CRD's (an API server that did not apply them). */
    public static PoolSettings settings(BuildMachine machine) {
        BuildMachineSpec spec = machine.getSpec() != null ? machine.getSpec() : new BuildMachineSpec();
        int maxBuilders = spec.getMaxBuilders() != null ? spec.getMaxBuilders() : 10;
        int jobs = isEphemeral(machine) ? 1 : Math.max(1, spec.getMaxJobs() != null ? spec.getMaxJobs() : 1);
        // an invalid spec starts no warm builders: its template may be what is wrong
        boolean valid = SpecValidation.problems(machine.getSpec()).isEmpty();
        int minIdle = valid
                ? Math.min(maxBuilders, Math.max(0, spec.getMinIdle() != null ? spec.getMinIdle() : 0))
                : 0;
        long idle = spec.getIdleTimeoutSeconds() != null ? spec.getIdleTimeoutSeconds() : 300;
        long start = spec.getBuilderStartTimeoutSeconds() != null ? spec.getBuilderStartTimeoutSeconds() : 600;
        int maxBuilds = spec.getMaxBuildsPerBuilder() != null ? spec.getMaxBuildsPerBuilder() : 0;
        boolean draining = machine.getMetadata().getDeletionTimestamp() != null;
        return new PoolSettings(Math.max(0, maxBuilders), jobs, minIdle, Duration.ofSeconds(Math.max(0, idle)),
                Duration.ofSeconds(Math.max(1, start)), Math.max(0, maxBuilds), draining);
    }

    /** One build per builder pod (the default), deleted when the build ends. */
    public static boolean isEphemeral(BuildMachine machine) {
        return machine.getSpec() == null || !Boolean.FALSE.equals(machine.getSpec().getEphemeral());
    }

    /** Not yet given a pool: no status.machine, not final, not being deleted, and with a spec the operator accepts. */
    public static boolean isWaiting(NixBuild build) {
        return build.getMetadata().getDeletionTimestamp() == null && machineOf(build) == null && !isFinal(build)
                && SpecValidation.problems(build.getSpec()).isEmpty();
    }

    /** Holds a slot: assigned to a pool, not final and not being deleted. */
    public static boolean holdsSlot(NixBuild build) {
        return build.getMetadata().getDeletionTimestamp() == null && machineOf(build) != null && !isFinal(build);
    }

    public static String machineOf(NixBuild build) {
        return build.getStatus() != null ? build.getStatus().getMachine() : null;
    }

    public static boolean isFinal(NixBuild build) {
        NixBuildPhase phase = build.getStatus() != null ? build.getStatus().getPhase() : null;
        return phase != null && phase.isFinal();
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list != null ? list : List.of();
    }
}
