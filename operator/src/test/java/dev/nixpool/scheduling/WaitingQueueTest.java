package dev.nixpool.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WaitingQueueTest {

    private static final String NS = "ns";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Pool X86 = pool("x86", List.of("x86_64-linux"), Set.of(), Set.of());
    private static final Pool KVM = pool("kvm", List.of("x86_64-linux"), Set.of("kvm"), Set.of());
    private static final Pool ARM = pool("arm", List.of("aarch64-linux"), Set.of(), Set.of());
    private static final Pool BIG = pool("big", List.of("x86_64-linux"), Set.of(), Set.of("big"));

    static Pool pool(String name, List<String> systems, Set<String> supported, Set<String> mandatory) {
        return new Pool(name, systems, supported, mandatory, 1, 1.0, 1, 0, null);
    }

    static BuildRequest build(String name, int second, String system, Set<String> features, String pin) {
        return new BuildRequest(NS, name, T0.plusSeconds(second), system, features, pin);
    }

    static BuildRequest x86(String name, int second) {
        return build(name, second, "x86_64-linux", Set.of(), null);
    }

    /** name, pools, waiting builds (any order), expected positions by build name. */
    static Stream<Arguments> positions() {
        return Stream.of(
                Arguments.of("one pool: creation order", List.of(X86),
                        List.of(x86("c", 3), x86("a", 1), x86("b", 2)), Map.of("a", 1, "b", 2, "c", 3)),
                Arguments.of("equal timestamps: by name", List.of(X86),
                        List.of(x86("b", 1), x86("a", 1)), Map.of("a", 1, "b", 2)),
                Arguments.of("builds for other pools are not ahead", List.of(X86, ARM),
                        List.of(build("arm1", 1, "aarch64-linux", Set.of(), null), x86("x1", 2),
                                build("arm2", 3, "aarch64-linux", Set.of(), null), x86("x2", 4)),
                        Map.of("arm1", 1, "x1", 1, "arm2", 2, "x2", 2)),
                Arguments.of("a kvm build competes with plain builds for the kvm pool only", List.of(X86, KVM),
                        List.of(x86("plain1", 1), build("kvm1", 2, "x86_64-linux", Set.of("kvm"), null),
                                x86("plain2", 3)),
                        Map.of("plain1", 1, "kvm1", 2, "plain2", 3)),
                Arguments.of("mandatory features keep plain builds out", List.of(X86, BIG),
                        List.of(build("big1", 1, "x86_64-linux", Set.of("big"), null), x86("plain", 2),
                                build("big2", 3, "x86_64-linux", Set.of("big"), null)),
                        Map.of("big1", 1, "plain", 1, "big2", 2)),
                Arguments.of("a pinned build counts only who competes for its pool", List.of(X86, KVM),
                        List.of(build("kvm1", 1, "x86_64-linux", Set.of("kvm"), null), x86("plain", 2),
                                build("pinned", 3, "x86_64-linux", Set.of(), "x86")),
                        Map.of("kvm1", 1, "plain", 2, "pinned", 2)),
                Arguments.of("an unschedulable build is ahead of no one", List.of(X86),
                        List.of(build("riscv", 1, "riscv64-linux", Set.of(), null), x86("x", 2)),
                        Map.of("riscv", 1, "x", 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("positions")
    void positionCountsOlderCompetitors(String rule, List<Pool> pools, List<BuildRequest> waiting,
            Map<String, Integer> expected) {
        WaitingQueue queue = WaitingQueue.of(waiting, pools);
        Map<String, Integer> actual = new HashMap<>();
        waiting.forEach(build -> actual.put(build.name(), queue.standing(build).position()));
        assertThat(actual).as(rule).isEqualTo(expected);
    }

    /** name, capacity per pool, expected contenders (in queue order). */
    static Stream<Arguments> contenders() {
        List<BuildRequest> waiting = List.of(x86("x1", 1), build("k1", 2, "x86_64-linux", Set.of("kvm"), null),
                x86("x2", 3), x86("x3", 4), build("k2", 5, "x86_64-linux", Set.of("kvm"), null), x86("x4", 6));
        return Stream.of(
                Arguments.of("one slot each: a plain build may take either, so it is the only contender", waiting,
                        Map.of("x86", 1, "kvm", 1), List.of("x1")),
                Arguments.of("two x86 slots, no kvm pool capacity", waiting, Map.of("x86", 2, "kvm", 0),
                        List.of("x1", "x2")),
                Arguments.of("kvm has room for three", waiting, Map.of("x86", 0, "kvm", 3),
                        List.of("x1", "k1", "x2")),
                Arguments.of("room for all", waiting, Map.of("x86", 10, "kvm", 10),
                        List.of("x1", "k1", "x2", "x3", "k2", "x4")),
                Arguments.of("no capacity: no one", waiting, Map.of(), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contenders")
    void contendersAreTheBuildsThatCouldTakeASlot(String rule, List<BuildRequest> waiting,
            Map<String, Integer> capacity, List<String> expected) {
        WaitingQueue queue = WaitingQueue.of(waiting, List.of(X86, KVM));
        assertThat(queue.contenders(capacity)).as(rule)
                .containsExactlyElementsOf(expected.stream().map(name -> NS + "/" + name).toList());
    }

    @Test
    void aBuildNotInTheQueueStandsBehindEveryone() {
        WaitingQueue queue = WaitingQueue.of(List.of(x86("a", 1), x86("b", 2)), List.of(X86));
        WaitingQueue.Standing newcomer = queue.standing(x86("c", 3));
        assertThat(newcomer.position()).isEqualTo(3);
        assertThat(newcomer.olderFor("x86")).isEqualTo(2);
    }

    /**
     * The one-pass queue answers what the definition says, build by build: the older builds eligible for each pool, and
     * the older builds eligible for any pool the build could take, over random queues and pools.
     */
    @Test
    void agreesWithTheDefinitionOnRandomQueues() {
        Random random = new Random(13);
        List<Pool> pools = List.of(X86, KVM, ARM, BIG);
        List<String> systems = List.of("x86_64-linux", "aarch64-linux", "riscv64-linux");
        List<Set<String>> features = List.of(Set.of(), Set.of("kvm"), Set.of("big"), Set.of("kvm", "big"));
        List<String> pins = new ArrayList<>(List.of("x86", "kvm", "gone"));
        for (int round = 0; round < 50; round++) {
            List<BuildRequest> waiting = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String pin = random.nextInt(5) == 0 ? pins.get(random.nextInt(pins.size())) : null;
                waiting.add(build("b" + i, random.nextInt(20), systems.get(random.nextInt(systems.size())),
                        features.get(random.nextInt(features.size())), pin));
            }
            WaitingQueue queue = WaitingQueue.of(waiting, pools);
            for (BuildRequest build : waiting) {
                List<BuildRequest> older = waiting.stream()
                        .filter(other -> BuildRequest.QUEUE_ORDER.compare(other, build) < 0).toList();
                List<Pool> candidates = pools.stream()
                        .filter(p -> build.pinnedMachine() == null || p.name().equals(build.pinnedMachine()))
                        .filter(p -> Eligibility.isEligible(p, build)).toList();
                long ahead = older.stream()
                        .filter(o -> candidates.stream().anyMatch(p -> Eligibility.isEligible(p, o))).count();
                WaitingQueue.Standing standing = queue.standing(build);
                assertThat(standing.position()).as(build.toString()).isEqualTo(ahead + 1);
                for (Pool pool : candidates) {
                    long competing = older.stream().filter(o -> Eligibility.isEligible(pool, o)).count();
                    assertThat(standing.olderFor(pool.name())).as(build + " for " + pool.name())
                            .isEqualTo(competing);
                }
                assertThat(standing.olderPerPool().keySet())
                        .containsExactlyInAnyOrderElementsOf(candidates.stream().map(Pool::name).toList());
            }
        }
    }

    /** Eligibility's fast verdict is the same as its list of reasons being empty. */
    @Test
    void fastEligibilityAgreesWithTheReasons() {
        List<Pool> pools = List.of(X86, KVM, ARM, BIG, new Pool("broken", List.of("x86_64-linux"), Set.of(),
                Set.of(), 1, 1.0, 1, 0, "maxJobs must be positive"));
        for (Pool pool : pools) {
            for (String system : List.of("x86_64-linux", "aarch64-linux", "builtin")) {
                for (Set<String> needs : List.of(Set.<String>of(), Set.of("kvm"), Set.of("big"),
                        Set.of("kvm", "big"))) {
                    BuildRequest build = build("b", 0, system, needs, null);
                    assertThat(Eligibility.isEligible(pool, build)).as(pool.name() + " " + build.describeNeeds())
                            .isEqualTo(Eligibility.declines(pool, build).isEmpty());
                }
            }
        }
    }
}
