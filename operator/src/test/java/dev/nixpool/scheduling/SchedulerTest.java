package dev.nixpool.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SchedulerTest {

    private static final String NS = "ns";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** An ephemeral pool: one build per builder, so its free slots are the builders it may still start. */
    static Pool pool(String name, double speed, int maxJobs, int maxBuilders, int inFlight, int pods) {
        int free = Math.max(0, Math.min(maxBuilders * maxJobs - inFlight, maxBuilders - pods));
        return new Pool(name, List.of("x86_64-linux"), Set.of(), Set.of(), maxJobs, speed, free, inFlight, null);
    }

    static BuildRequest build(String name, int secondsAfterT0) {
        return new BuildRequest(NS, name, T0.plusSeconds(secondsAfterT0), "x86_64-linux", Set.of(), null);
    }

    /** name, pools, expected pool: Nix's preference among pools with a free slot. */
    static Stream<Arguments> preference() {
        return Stream.of(
                Arguments.of("lowest load per speed wins", List.of(pool("a", 1, 4, 4, 2, 2), pool("b", 4, 4, 8, 4, 4)),
                        "b"),
                Arguments.of("equal load per speed: the faster pool", List.of(pool("slow", 1, 4, 4, 1, 1),
                        pool("fast", 2, 4, 4, 2, 2)), "fast"),
                Arguments.of("idle pools: the faster one", List.of(pool("b", 1, 4, 4, 0, 0), pool("a", 3, 4, 4, 0, 0)),
                        "a"),
                Arguments.of("equal ratio, speed and load: the name decides, stably",
                        List.of(pool("zeta", 2, 4, 4, 1, 1), pool("alpha", 2, 4, 4, 1, 1)), "alpha"),
                Arguments.of("a full pool is skipped even if faster", List.of(pool("fast", 10, 1, 1, 1, 1),
                        pool("slow", 1, 1, 1, 0, 0)), "slow"),
                Arguments.of("one build per pod: pods cap the pool even with job slots left",
                        List.of(pool("pods-full", 5, 4, 2, 1, 2), pool("other", 1, 1, 1, 0, 0)), "other"),
                Arguments.of("no free slot (a reusable builder running maxJobs builds)", List.of(new Pool("shared",
                        List.of("x86_64-linux"), Set.of(), Set.of(), 2, 5, 0, 2, null),
                        pool("other", 1, 1, 1, 0, 0)), "other"),
                Arguments.of("a second job on a reusable builder", List.of(new Pool("shared",
                        List.of("x86_64-linux"), Set.of(), Set.of(), 2, 5, 1, 1, null),
                        pool("other", 1, 1, 2, 1, 1)), "shared"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("preference")
    void choosesLikeNix(String rule, List<Pool> pools, String expected) {
        Decision decision = Scheduler.schedule(build("b", 0), pools, List.of());
        assertThat(decision).isInstanceOfSatisfying(Decision.Assign.class,
                assign -> assertThat(assign.pool().name()).as(rule).isEqualTo(expected));
    }

    /** name, free slots of the only pool, the build's place among waiting builds, expected decision. */
    static Stream<Arguments> queue() {
        List<BuildRequest> waiting = List.of(build("first", 1), build("second", 2), build("third", 3));
        return Stream.of(
                Arguments.of("oldest takes the only slot", 1, build("first", 1), waiting, "assign"),
                Arguments.of("second waits behind the first", 1, build("second", 2), waiting, "wait 2"),
                Arguments.of("third is third in line", 0, build("third", 3), waiting, "wait 3"),
                Arguments.of("two slots: the second may go too", 2, build("second", 2), waiting, "assign"),
                Arguments.of("two slots: the third may not overtake", 2, build("third", 3), waiting, "wait 3"),
                Arguments.of("same timestamp: namespace/name order", 1, build("b", 1),
                        List.of(build("a", 1), build("b", 1)), "wait 2"),
                Arguments.of("older builds of other namespaces do not compete for this namespace's pools", 1,
                        build("mine", 5), List.of(new BuildRequest("other", "old", T0, "x86_64-linux", Set.of(), null)),
                        "assign"),
                Arguments.of("older builds the pool cannot take do not block", 1, build("x86", 5),
                        List.of(new BuildRequest(NS, "arm", T0, "aarch64-linux", Set.of(), null)), "assign"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("queue")
    void firstComeFirstServed(String rule, int freeSlots, BuildRequest build, List<BuildRequest> waiting,
            String expected) {
        Pool pool = pool("only", 1, 1, 3, 3 - freeSlots, 3 - freeSlots);
        Decision decision = Scheduler.schedule(build, List.of(pool), waiting);
        String actual = decision instanceof Decision.Wait wait
                ? "wait " + wait.position()
                : decision instanceof Decision.Assign ? "assign" : decision.toString();
        assertThat(actual).as(rule).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unschedulable")
    void unschedulableSaysWhyEveryPoolDeclined(String rule, BuildRequest build, List<Pool> pools,
            List<String> expectedFragments) {
        Decision decision = Scheduler.schedule(build, pools, List.of());
        assertThat(decision).isInstanceOfSatisfying(Decision.Unschedulable.class,
                u -> assertThat(u.message()).as(rule).contains(expectedFragments));
    }

    static Stream<Arguments> unschedulable() {
        Pool arm = new Pool("arm", List.of("aarch64-linux"), Set.of(), Set.of(), 1, 1, 1, 0, null);
        Pool bench = new Pool("bench", List.of("x86_64-linux"), Set.of("kvm"), Set.of("benchmark"), 1, 1, 1, 0, null);
        Pool broken = new Pool("broken", List.of("x86_64-linux"), Set.of(), Set.of(), 1, 1, 0, 0,
                "spec.maxBuilders must be at least 1, got 0");
        BuildRequest kvm = new BuildRequest(NS, "vm", T0, "x86_64-linux", Set.of("kvm"), null);
        return Stream.of(
                Arguments.of("no pools at all", kvm, List.of(),
                        List.of("no BuildMachine exists in namespace ns", "(x86_64-linux, [kvm])")),
                Arguments.of("a table row per pool", kvm, List.of(bench, arm),
                        List.of("no BuildMachine can build (x86_64-linux, [kvm]):\n- arm (",
                                "wrong system: lists aarch64-linux", "- bench (systems [x86_64-linux], maxJobs 1, "
                                        + "supported [kvm], mandatory [benchmark]): mandatory feature benchmark not requested")),
                Arguments.of("missing feature", new BuildRequest(NS, "big", T0, "x86_64-linux",
                        Set.of("big-parallel"), null), List.of(arm),
                        List.of("wrong system: lists aarch64-linux; missing feature big-parallel")),
                Arguments.of("an invalid pool says so", kvm, List.of(broken),
                        List.of("- broken (", "invalid spec: spec.maxBuilders must be at least 1, got 0")),
                Arguments.of("a missing pinned pool is its own reason",
                        new BuildRequest(NS, "pinned", T0, "x86_64-linux", Set.of(), "gone"), List.of(arm),
                        List.of("spec.machine names BuildMachine gone, which does not exist in namespace ns")),
                Arguments.of("a pinned pool must still be eligible",
                        new BuildRequest(NS, "pinned", T0, "x86_64-linux", Set.of(), "arm"),
                        List.of(arm, pool("free", 1, 1, 1, 0, 0)), List.of("- arm (", "wrong system")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eligibility")
    void eligibilityFollowsNix(String rule, Pool pool, BuildRequest build, List<String> declines) {
        assertThat(Eligibility.declines(pool, build)).as(rule).isEqualTo(declines);
    }

    static Stream<Arguments> eligibility() {
        Pool kvm = new Pool("kvm", List.of("x86_64-linux", "i686-linux"), Set.of("kvm", "nixos-test"),
                Set.of(), 1, 1, 1, 0, null);
        Pool mandatory = new Pool("m", List.of("x86_64-linux"), Set.of(), Set.of("benchmark"), 1, 1, 1, 0,
                null);
        return Stream.of(
                Arguments.of("listed system, no features", kvm, request("i686-linux"), List.of()),
                Arguments.of("builtin builds anywhere", kvm, request("builtin"), List.of()),
                Arguments.of("supported features", kvm, request("x86_64-linux", "kvm", "nixos-test"), List.of()),
                Arguments.of("a mandatory feature also counts as offered", mandatory,
                        request("x86_64-linux", "benchmark"), List.of()),
                Arguments.of("mandatory feature not requested", mandatory, request("x86_64-linux"),
                        List.of("mandatory feature benchmark not requested")),
                Arguments.of("every reason at once", mandatory, request("aarch64-linux", "kvm"),
                        List.of("wrong system: lists x86_64-linux", "missing feature kvm",
                                "mandatory feature benchmark not requested")));
    }

    private static BuildRequest request(String system, String... features) {
        return new BuildRequest(NS, "b", T0, system, Set.of(features), null);
    }
}
