package dev.nixpool.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.api.v1alpha1.NixBuildStatus;

class BuildIndexesTest {

    private static NixBuild build(Consumer<NixBuild> change) {
        NixBuild build = new NixBuild();
        build.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("b").withGeneration(1L).build());
        NixBuildSpec spec = new NixBuildSpec();
        spec.setSystem("x86_64-linux");
        spec.setExpression("derivation { }");
        build.setSpec(spec);
        NixBuildStatus status = new NixBuildStatus();
        status.setPhase(NixBuildPhase.Pending);
        status.setQueuePosition(3);
        build.setStatus(status);
        change.accept(build);
        return build;
    }

    /** name, the change, whether the pools and the waiting queue must hear of it, the indexes it is in afterwards. */
    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of("a new queue position", (Consumer<NixBuild>) b -> b.getStatus().setQueuePosition(2),
                        false, List.of(BuildIndexes.WAITING)),
                Arguments.of("assigned to a pool and a builder", (Consumer<NixBuild>) b -> {
                    b.getStatus().setPhase(NixBuildPhase.Scheduled);
                    b.getStatus().setMachine("pool");
                    b.getStatus().setBuilder("pod-1");
                }, true, List.of(BuildIndexes.HOLDING, BuildIndexes.BUILDER)),
                Arguments.of("failed on its builder", (Consumer<NixBuild>) b -> {
                    b.getStatus().setPhase(NixBuildPhase.Failed);
                    b.getStatus().setBuilder("pod-1");
                }, true, List.of(BuildIndexes.FAILED_ON, BuildIndexes.BUILDER)),
                Arguments.of("a new spec generation", (Consumer<NixBuild>) b -> b.getMetadata().setGeneration(2L),
                        true, List.of(BuildIndexes.WAITING)),
                Arguments.of("being deleted", (Consumer<NixBuild>) b -> b.getMetadata()
                        .setDeletionTimestamp("2026-12-01T00:00:00Z"), true, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void indexesFollowTheBuild(String change, Consumer<NixBuild> edit, boolean schedulingChanged,
            List<String> indexes) {
        NixBuild before = build(b -> {
        });
        NixBuild after = build(edit);
        assertThat(BuildIndexes.schedulingChanged(after, before)).as(change).isEqualTo(schedulingChanged);
        List<String> in = BuildIndexes.all().entrySet().stream()
                .filter(index -> !index.getValue().apply(after).isEmpty())
                .map(java.util.Map.Entry::getKey).toList();
        assertThat(in).as(change).containsExactlyInAnyOrderElementsOf(indexes);
    }
}
