package dev.nixpool.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the CPU went during a window, per process, from /proc: the benchmark's JVM (embedded API server, builder
 * runtime, the benchmark's own clients) and the operator's JVM, each with its busiest threads by name (the JIT
 * compilers, the server's event loop, the reconcilers), the builder pods (every other process below the benchmark's
 * JVM, sshd and Nix among them, with the ones that ended meanwhile), and the whole machine (so what the other users of
 * the machine took shows too). Times are in clock ticks of 10 ms ({@code CLK_TCK} is 100 on Linux).
 */
final class CpuCensus {

    static final double TICK_SECONDS = 0.01;
    static final String ENDED_THREADS = "(threads ended meanwhile)";
    private static final Path PROC = Path.of("/proc");

    private final long operatorPid;

    CpuCensus(long operatorPid) {
        this.operatorPid = operatorPid;
    }

    /**
     * utime, stime, cutime, cstime and starttime of one /proc/PID/stat line, whose command name may hold spaces and
     * ')'.
     */
    record Stat(String name, long ppid, long user, long system, long childUser, long childSystem, long start) {
        long own() {
            return user + system;
        }

        long reapedChildren() {
            return childUser + childSystem;
        }

        static Optional<Stat> parse(String line) {
            int open = line.indexOf('(');
            int close = line.lastIndexOf(')');
            if (open < 0 || close < open) {
                return Optional.empty();
            }
            // after the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17) ... starttime(22)
            String[] f = line.substring(close + 2).trim().split("\\s+");
            if (f.length < 20) {
                return Optional.empty();
            }
            return Optional.of(new Stat(line.substring(open + 1, close), Long.parseLong(f[1]), Long.parseLong(f[11]),
                    Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14]), Long.parseLong(f[19])));
        }
    }

    /** Busy and all ticks of the machine's first /proc/stat line (busy: all but idle and iowait). */
    record MachineTicks(long busy, long all) {
        static MachineTicks parse(String cpuLine) {
            String[] f = cpuLine.trim().split("\\s+");
            long all = 0;
            // user nice system idle iowait irq softirq steal (guest time is already in user)
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                all += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            return new MachineTicks(all - idle, all);
        }
    }

    /**
     * One thread: its id with its start time, since an id is given again once its thread ended (a thread's CPU counts
     * from its own start, so a new thread under an old id must not be set off against the old one's time).
     */
    record ThreadId(long tid, long start) {
    }

    /** A thread's name when looked at and its CPU since it started. */
    record ThreadTicks(String name, long ticks) {
    }

    /** One look at every process that matters, in ticks. */
    record Snapshot(long nanos, long benchmark, long benchmarkReaped, Map<ThreadId, ThreadTicks> benchmarkThreads,
            long operator, Map<ThreadId, ThreadTicks> operatorThreads, long builders, MachineTicks machine) {
    }

    Snapshot take() {
        long self = ProcessHandle.current().pid();
        Map<Long, Stat> all = processes();
        Stat me = all.get(self);
        Stat op = all.get(operatorPid);
        long builders = 0;
        for (Map.Entry<Long, Stat> entry : all.entrySet()) {
            long pid = entry.getKey();
            if (pid != self && below(pid, self, all) && pid != operatorPid && !below(pid, operatorPid, all)) {
                // a pod's processes that ended were reaped by a parent still below us: their time is in its cutime
                builders += entry.getValue().own() + entry.getValue().reapedChildren();
            }
        }
        return new Snapshot(System.nanoTime(), me == null ? 0 : me.own(), me == null ? 0 : me.reapedChildren(),
                threads(self), op == null ? 0 : op.own(), threads(operatorPid), builders, machine());
    }

    /** Whether {@code pid} is a descendant of {@code ancestor}. */
    static boolean below(long pid, long ancestor, Map<Long, Stat> all) {
        Set<Long> seen = new HashSet<>();
        long current = pid;
        while (seen.add(current)) {
            Stat stat = all.get(current);
            if (stat == null || stat.ppid() <= 0) {
                return false;
            }
            if (stat.ppid() == ancestor) {
                return true;
            }
            current = stat.ppid();
        }
        return false;
    }

    /**
     * The window between two snapshots as lines: each process's CPU seconds and share of the window's wall time, the
     * threads that took the most (by thread name, numbers stripped: the pools add up), what was left for everyone else
     * on the machine. {@code kubectlTicks} is the kubectl run's own CPU (it is a child of the benchmark's JVM: its time
     * lands in the JVM's reaped-children time together with the builder pods that ended, and is taken out of it).
     */
    static List<String> report(Snapshot before, Snapshot after, long kubectlTicks, int topThreads) {
        double wall = (after.nanos() - before.nanos()) / 1e9;
        long benchmark = after.benchmark() - before.benchmark();
        long operator = after.operator() - before.operator();
        long builders = after.builders() - before.builders()
                + Math.max(0, after.benchmarkReaped() - before.benchmarkReaped() - kubectlTicks);
        long machineBusy = after.machine().busy() - before.machine().busy();
        long machineAll = after.machine().all() - before.machine().all();
        long others = Math.max(0, machineBusy - benchmark - operator - builders - kubectlTicks);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "  CPU over %.1f s of wall time (%.1f CPU-s of the machine busy of %.1f):",
                wall, machineBusy * TICK_SECONDS, machineAll * TICK_SECONDS));
        lines.add(line("benchmark JVM (API server, builder runtime)", benchmark, wall)
                + threads(before.benchmarkThreads(), after.benchmarkThreads(), benchmark, topThreads));
        lines.add(line("operator JVM", operator, wall)
                + threads(before.operatorThreads(), after.operatorThreads(), operator, topThreads));
        lines.add(line("builder pods (sshd, Nix)", builders, wall));
        lines.add(line("kubectl", kubectlTicks, wall));
        lines.add(line("everything else on the machine", others, wall));
        return lines;
    }

    private static String line(String what, long ticks, double wall) {
        return String.format(Locale.ROOT, "    %-44s %6.1f s (%3.0f %% of one core)", what, ticks * TICK_SECONDS,
                100 * ticks * TICK_SECONDS / wall);
    }

    private static String threads(Map<ThreadId, ThreadTicks> before, Map<ThreadId, ThreadTicks> after,
            long processTicks, int top) {
        Map<String, Long> delta = threadDeltas(before, after, processTicks);
        List<String> parts = delta.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() * TICK_SECONDS)).toList();
        return parts.isEmpty() ? "" : "; threads: " + String.join(", ", parts);
    }

    /**
     * The window's CPU per thread group. Each thread is set off against itself (by id and start time), not against the
     * group its name put it in before: a thread renamed meanwhile (JOSDK names its executor thread
     * "ReconcilerExecutor-..." while a reconcile runs and gives the pool's name back after) would otherwise bring all
     * the CPU of its life into its new group. A thread is counted under its name at the end of the window; one started
     * meanwhile with all its time. Threads that ended meanwhile are gone from /proc with their time: what the process
     * took beyond the threads still there is theirs.
     */
    static Map<String, Long> threadDeltas(Map<ThreadId, ThreadTicks> before, Map<ThreadId, ThreadTicks> after,
            long processTicks) {
        Map<String, Long> byGroup = new HashMap<>();
        long counted = 0;
        for (Map.Entry<ThreadId, ThreadTicks> thread : after.entrySet()) {
            ThreadTicks then = before.get(thread.getKey());
            long ticks = thread.getValue().ticks() - (then == null ? 0 : then.ticks());
            if (ticks > 0) {
                byGroup.merge(threadGroup(thread.getValue().name()), ticks, Long::sum);
                counted += ticks;
            }
        }
        if (processTicks > counted) {
            byGroup.put(ENDED_THREADS, processTicks - counted);
        }
        return byGroup;
    }

    /** Thread CPU by name with digits dropped ("C2 CompilerThre", "vert.x-eventloop-thread-"), summed. */
    static String threadGroup(String name) {
        return name.replaceAll("[0-9]+", "#");
    }

    private static Map<ThreadId, ThreadTicks> threads(long pid) {
        Map<ThreadId, ThreadTicks> byThread = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("task"))) {
            for (Path task : tasks) {
                long tid = Long.parseLong(task.getFileName().toString());
                read(task.resolve("stat")).ifPresent(stat -> byThread.put(new ThreadId(tid, stat.start()),
                        new ThreadTicks(stat.name(), stat.own())));
            }
        } catch (IOException e) {
            // the process is gone: no threads
        }
        return byThread;
    }

    private static Map<Long, Stat> processes() {
        Map<Long, Stat> all = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path entry : entries) {
                read(entry.resolve("stat")).ifPresent(stat -> all.put(Long.parseLong(entry.getFileName().toString()),
                        stat));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return all;
    }

    private static Optional<Stat> read(Path stat) {
        try {
            return Stat.parse(Files.readString(stat, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            // ended between the listing and the read
            return Optional.empty();
        }
    }

    private static MachineTicks machine() {
        try {
            return MachineTicks.parse(Files.readAllLines(PROC.resolve("stat")).get(0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat", e);
        }
    }
}
