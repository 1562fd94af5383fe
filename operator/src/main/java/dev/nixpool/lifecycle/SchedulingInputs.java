package dev.nixpool.lifecycle;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
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

    /**
     * Until warm builders are handed from build to build (a later issue), every build gets a pod of its own, so the pod
     * cap applies to every pool, ephemeral or not.
     */
    public static Pool pool(BuildMachine machine, int buildsInFlight, int builderPods) {
        BuildMachineSpec spec = machine.getSpec();
        List<String> problems = SpecValidation.problems(spec);
        String invalid = problems.isEmpty() ? null : String.join("; ", problems);
        if (spec == null) {
            return new Pool(machine.getMetadata().getName(), List.of(), Set.of(), Set.of(), 1, 1, 0, true,
                    buildsInFlight, builderPods, invalid);
        }
        return new Pool(machine.getMetadata().getName(), orEmpty(spec.getSystems()),
                new HashSet<>(orEmpty(spec.getSupportedFeatures())),
                new HashSet<>(orEmpty(spec.getMandatoryFeatures())),
                spec.getMaxJobs() != null ? spec.getMaxJobs() : 1,
                spec.getSpeedFactor() != null ? spec.getSpeedFactor() : 1.0,
                spec.getMaxBuilders() != null ? spec.getMaxBuilders() : 0, true, buildsInFlight, builderPods, invalid);
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
