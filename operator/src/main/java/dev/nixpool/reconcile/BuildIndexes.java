package dev.nixpool.reconcile;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.lifecycle.SchedulingInputs;

/**
 * Indexes over NixBuild informer caches, kept by the informer as each event arrives, so that the hot paths (every
 * reconcile, every pod event) read the few builds they concern instead of scanning them all.
 */
final class BuildIndexes {

    /** Waiting builds (no pool yet) by namespace. */
    static final String WAITING = "nixpool-waiting";
    /** Builds holding a slot by namespace. */
    static final String HOLDING = "nixpool-holding";
    /** Failed builds that name a builder by namespace (kept failed builders stay claimed). */
    static final String FAILED_ON = "nixpool-failed-on";
    /** Builds by their builder pod, as namespace/pod. */
    static final String BUILDER = "nixpool-builder";

    private BuildIndexes() {
    }

    static Map<String, Function<NixBuild, List<String>>> all() {
        return Map.of(WAITING, when(SchedulingInputs::isWaiting), HOLDING, when(SchedulingInputs::holdsSlot),
                FAILED_ON, when(BuildIndexes::failedOnBuilder), BUILDER, BuildIndexes::builderKey);
    }

    static String podKey(String namespace, String pod) {
        return namespace + "/" + pod;
    }

    /**
     * Whether an update changed what the capacity decisions read of a build (its pool, builder, phase, deletion, spec):
     * status writes that only say more (conditions, queue position, derivation) do not.
     */
    static boolean schedulingChanged(NixBuild now, NixBuild before) {
        return !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
                || !Objects.equals(now.getMetadata().getDeletionTimestamp(),
                        before.getMetadata().getDeletionTimestamp())
                || !Objects.equals(SchedulingInputs.machineOf(now), SchedulingInputs.machineOf(before))
                || !Objects.equals(builderOf(now), builderOf(before)) || phaseOf(now) != phaseOf(before);
    }

    private static Function<NixBuild, List<String>> when(java.util.function.Predicate<NixBuild> test) {
        return build -> test.test(build) ? List.of(build.getMetadata().getNamespace()) : List.of();
    }

    private static boolean failedOnBuilder(NixBuild build) {
        return phaseOf(build) == NixBuildPhase.Failed && builderOf(build) != null;
    }

    private static List<String> builderKey(NixBuild build) {
        String builder = builderOf(build);
        return builder != null ? List.of(podKey(build.getMetadata().getNamespace(), builder)) : List.of();
    }

    private static String builderOf(NixBuild build) {
        return build.getStatus() != null ? build.getStatus().getBuilder() : null;
    }

    private static NixBuildPhase phaseOf(NixBuild build) {
        return build.getStatus() != null ? build.getStatus().getPhase() : null;
    }
}
