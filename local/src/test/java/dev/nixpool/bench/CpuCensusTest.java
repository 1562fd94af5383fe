package dev.nixpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Reading /proc's stat lines and adding a window up per process. */
class CpuCensusTest {

    @Test
    void aStatLineIsReadAfterItsCommandNameEvenWithSpacesAndParentheses() {
        String line = "4242 (C2 Compiler) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 1234 567 89 12 20 0 40 0 100 1 1";
        CpuCensus.Stat stat = CpuCensus.Stat.parse(line).orElseThrow();
        assertThat(stat.name()).isEqualTo("C2 Compiler) x");
        assertThat(stat.ppid()).isEqualTo(17);
        assertThat(stat.own()).isEqualTo(1234 + 567);
        assertThat(stat.reapedChildren()).isEqualTo(89 + 12);
        assertThat(stat.start()).isEqualTo(100);
        assertThat(CpuCensus.Stat.parse("garbage")).isEmpty();
    }

    @Test
    void theMachinesBusyTimeIsAllButIdleAndIowait() {
        CpuCensus.MachineTicks ticks = CpuCensus.MachineTicks.parse("cpu  100 5 50 1000 20 3 2 1 0 0");
        assertThat(ticks.all()).isEqualTo(100 + 5 + 50 + 1000 + 20 + 3 + 2 + 1);
        assertThat(ticks.busy()).isEqualTo(100 + 5 + 50 + 3 + 2 + 1);
    }

    @Test
    void descendantsAreFoundThroughTheirParents() {
        Map<Long, CpuCensus.Stat> all = Map.of(
                1L, stat("init", 0),
                10L, stat("java", 1),
                20L, stat("setpriv", 10),
                21L, stat("sshd", 20),
                30L, stat("mvn", 1));
        assertThat(CpuCensus.below(21, 10, all)).isTrue();
        assertThat(CpuCensus.below(20, 10, all)).isTrue();
        assertThat(CpuCensus.below(30, 10, all)).isFalse();
        assertThat(CpuCensus.below(10, 10, all)).isFalse();
    }

    @Test
    void threadsAreGroupedByNameWithoutNumbers() {
        assertThat(CpuCensus.threadGroup("C2 CompilerThre")).isEqualTo("C# CompilerThre");
        assertThat(CpuCensus.threadGroup("vert.x-eventloo")).isEqualTo("vert.x-eventloo");
        assertThat(CpuCensus.threadGroup("pool-12-thread-3")).isEqualTo("pool-#-thread-#");
    }

    /**
     * The window's CPU per process; kubectl's own time is taken out of the benchmark JVM's reaped children (the builder
     * pods that ended), and what no process of the run took is the rest of the machine's.
     */
    @Test
    void aWindowIsReportedPerProcess() {
        CpuCensus.Snapshot before = new CpuCensus.Snapshot(0, 100, 50, Map.of(id(7), thread("C2 CompilerThre", 40)),
                200, Map.of(id(8), thread("ReconcilerExecu", 10)), 30, new CpuCensus.MachineTicks(1000, 5000));
        CpuCensus.Snapshot after = new CpuCensus.Snapshot(10_000_000_000L, 600, 350,
                Map.of(id(7), thread("C2 CompilerThre", 140), id(9), thread("vert.x-eventloo", 400)), 700,
                Map.of(id(8), thread("ReconcilerExecu", 210)), 130, new CpuCensus.MachineTicks(2800, 7000));
        List<String> lines = CpuCensus.report(before, after, 100, 2);
        // benchmark 5 s, operator 5 s, builders 1 s live + 2 s reaped (3 s reaped minus kubectl's 1 s), kubectl 1 s,
        // the machine 18 s busy: 4 s for the rest
        assertThat(lines.get(0)).contains("10.0 s of wall time (18.0 CPU-s of the machine busy of 20.0)");
        assertThat(lines.get(1)).contains("benchmark JVM").contains("5.0 s").contains("threads: vert.x-eventloo 4.0,"
                + " C# CompilerThre 1.0");
        assertThat(lines.get(2)).contains("operator JVM").contains("5.0 s").contains("ReconcilerExecu 2.0")
                .contains(CpuCensus.ENDED_THREADS + " 3.0");
        assertThat(lines.get(3)).contains("builder pods").contains("3.0 s");
        assertThat(lines.get(4)).contains("kubectl").contains("1.0 s");
        assertThat(lines.get(5)).contains("everything else").contains("4.0 s");
    }

    /**
     * The operator's JVM took 2.6 s in the window. Its pool thread (id 31) ran 40 s before the window and 1 s in it,
     * and JOSDK named it "ReconcilerExecutor-..." for the reconcile it was running at the end; a thread that started
     * meanwhile brings all its time; a thread that ended meanwhile took the id of an older thread that ended too (same
     * id, later start); what the threads still there did not take was taken by threads that ended. No group takes more
     * than the process did.
     */
    @Test
    void eachThreadIsSetOffAgainstItselfSoNoGroupTakesMoreThanItsProcess() {
        Map<CpuCensus.ThreadId, CpuCensus.ThreadTicks> before = Map.of(
                new CpuCensus.ThreadId(31, 500), thread("pool-3-thread-1", 4000),
                new CpuCensus.ThreadId(32, 500), thread("C2 CompilerThre", 900),
                new CpuCensus.ThreadId(40, 600), thread("pool-3-thread-2", 700));
        Map<CpuCensus.ThreadId, CpuCensus.ThreadTicks> after = Map.of(
                new CpuCensus.ThreadId(31, 500), thread("ReconcilerExecutor-nixbuild-31", 4100),
                new CpuCensus.ThreadId(32, 500), thread("C2 CompilerThre", 950),
                new CpuCensus.ThreadId(33, 9000), thread("vert.x-eventloo", 30),
                new CpuCensus.ThreadId(40, 9100), thread("pool-3-thread-2", 20));

        Map<String, Long> groups = CpuCensus.threadDeltas(before, after, 260);

        assertThat(groups).containsOnly(
                Map.entry("ReconcilerExecutor-nixbuild-#", 100L),
                Map.entry("C# CompilerThre", 50L),
                Map.entry("vert.x-eventloo", 30L),
                Map.entry("pool-#-thread-#", 20L),
                Map.entry(CpuCensus.ENDED_THREADS, 60L));
        assertThat(groups.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(260);
    }

    @Test
    void threadsThatTookAllOfTheProcessLeaveNothingToThoseThatEnded() {
        Map<CpuCensus.ThreadId, CpuCensus.ThreadTicks> before = Map.of(id(1), thread("main", 10));
        Map<CpuCensus.ThreadId, CpuCensus.ThreadTicks> after = Map.of(id(1), thread("main", 60));
        assertThat(CpuCensus.threadDeltas(before, after, 50)).containsOnly(Map.entry("main", 50L));
    }

    private static CpuCensus.ThreadId id(long tid) {
        return new CpuCensus.ThreadId(tid, 100);
    }

    private static CpuCensus.ThreadTicks thread(String name, long ticks) {
        return new CpuCensus.ThreadTicks(name, ticks);
    }

    private static CpuCensus.Stat stat(String name, long ppid) {
        return new CpuCensus.Stat(name, ppid, 0, 0, 0, 0, 0);
    }
}
