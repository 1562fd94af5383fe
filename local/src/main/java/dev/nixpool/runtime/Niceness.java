package dev.nixpool.runtime;

import java.util.List;

/**
 * A process's CPU priority as {@code nice(1)} sets it: 0 is the default, 19 the lowest. The scale benchmark runs the
 * builder pods and the operator niced to stand for processes on other nodes than the API server's: on one 2-core
 * machine they would otherwise take the CPU the API server answers with.
 */
public final class Niceness {

    public static final int NORMAL = 0;
    public static final int LOWEST = 19;

    private Niceness() {
    }

    /** Fails on a value {@code nice} cannot lower a process to (raising priority needs privileges nobody should use). */
    public static int require(int niceness, String what) {
        if (niceness < NORMAL || niceness > LOWEST) {
            throw new IllegalArgumentException(
                    what + " must be " + NORMAL + " (normal priority) to " + LOWEST + " (lowest), got " + niceness);
        }
        return niceness;
    }

    /** The words to put before a command so that it runs at this niceness; none at normal priority. */
    public static List<String> prefix(int niceness) {
        require(niceness, "niceness");
        return niceness == NORMAL ? List.of() : List.of("nice", "-n", Integer.toString(niceness));
    }

    /** How the benchmarks print it: {@code nice 10}, or {@code normal priority}. */
    public static String describe(int niceness) {
        return niceness == NORMAL ? "normal priority (nice 0)" : "nice " + niceness;
    }
}
