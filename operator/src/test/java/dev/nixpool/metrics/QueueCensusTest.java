package dev.nixpool.metrics;

import static dev.nixpool.TestResources.build;
import static dev.nixpool.TestResources.machine;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.micrometer.core.instrument.Tags;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.status.Conditions;

/** Waiting builds and pools → the rows of nixpool_builds_queued and nixpool_builds_waiting. */
class QueueCensusTest {

    private static final String NS = "ci";
    private static final String X86 = "x86_64-linux";
    private static final List<BuildMachine> POOLS = List.of(
            machine(NS, "plain", 2, List.of(X86), List.of(), List.of()),
            machine(NS, "big", 1, List.of(X86), List.of("big-parallel", "kvm"), List.of()),
            machine(NS, "tests", 1, List.of(X86), List.of("kvm", "nixos-test"), List.of("nixos-test")),
            machine("other", "plain", 1, List.of(X86), List.of(), List.of()));

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("nothing waits", List.of(held("a", "plain"), ended("b")), Map.of(), Map.of()),
                Arguments.of("a plain build: every pool that takes it, once each",
                        List.of(build(NS, "a", X86, List.of())),
                        Map.of(queued("plain", ""), 1L, queued("big", ""), 1L), Map.of(waiting(""), 1L)),
                Arguments.of("features sorted into one label; the mandatory-feature pool only with its feature",
                        List.of(build(NS, "a", X86, List.of("kvm", "big-parallel")),
                                build(NS, "b", X86, List.of("big-parallel", "kvm")),
                                build(NS, "c", X86, List.of("nixos-test", "kvm"))),
                        Map.of(queued("big", "big-parallel,kvm"), 2L, queued("tests", "kvm,nixos-test"), 1L),
                        Map.of(waiting("big-parallel,kvm"), 2L, waiting("kvm,nixos-test"), 1L)),
                Arguments.of("no pool takes it: counted without a pool",
                        List.of(build(NS, "a", "aarch64-linux", List.of())),
                        Map.of(Tags.of("namespace", NS, "pool", "", "system", "aarch64-linux", "features", ""), 1L),
                        Map.of(Tags.of("namespace", NS, "system", "aarch64-linux", "features", ""), 1L)),
                Arguments.of("a build naming its machine waits for that one only",
                        List.of(pinned(build(NS, "a", X86, List.of()), "big")),
                        Map.of(queued("big", ""), 1L), Map.of(waiting(""), 1L)),
                Arguments.of("pools of another namespace never count",
                        List.of(build("other", "a", X86, List.of())),
                        Map.of(Tags.of("namespace", "other", "pool", "plain", "system", X86, "features", ""), 1L),
                        Map.of(Tags.of("namespace", "other", "system", X86, "features", ""), 1L)),
                Arguments.of("being deleted is not waiting", List.of(deleting(build(NS, "a", X86, List.of()))),
                        Map.of(), Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void waitingBuildsAreCounted(String situation, List<NixBuild> builds, Map<Tags, Long> queued,
            Map<Tags, Long> waiting) {
        QueueCensus census = QueueCensus.of(builds, POOLS);

        assertThat(census.queued()).containsExactlyInAnyOrderEntriesOf(queued);
        assertThat(census.waiting()).containsExactlyInAnyOrderEntriesOf(waiting);
    }

    private static Tags queued(String pool, String features) {
        return Tags.of("namespace", NS, "pool", pool, "system", X86, "features", features);
    }

    private static Tags waiting(String features) {
        return Tags.of("namespace", NS, "system", X86, "features", features);
    }

    private static NixBuild held(String name, String machine) {
        NixBuild build = build(NS, name, X86, List.of());
        NixBuildStatus status = new NixBuildStatus();
        status.setPhase(NixBuildPhase.Scheduled);
        status.setMachine(machine);
        build.setStatus(status);
        return build;
    }

    private static NixBuild ended(String name) {
        NixBuild build = build(NS, name, X86, List.of());
        NixBuildStatus status = new NixBuildStatus();
        status.setPhase(NixBuildPhase.Failed);
        build.setStatus(status);
        return build;
    }

    private static NixBuild pinned(NixBuild build, String machine) {
        build.getSpec().setMachine(machine);
        return build;
    }

    private static NixBuild deleting(NixBuild build) {
        build.getMetadata().setDeletionTimestamp(Conditions.timestamp(Instant.parse("2025-01-01T00:00:00Z")));
        return build;
    }
}
