package dev.nixpool.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The lifecycle's target (issue 8): a trivial build on an ephemeral builder takes, end to end (median), at most what a
 * real Nix client takes to offload it to a warm builder (median) plus the builder pod's start (median) plus 0.5 s.
 * Medians in milliseconds, all from the same run on the same machine.
 */
record OffloadComparison(double endToEnd, double direct, double podStart) {

    static final double SLACK_MILLIS = 500;

    double ratio() {
        return endToEnd / direct;
    }

    double budget() {
        return direct + podStart + SLACK_MILLIS;
    }

    boolean met() {
        return endToEnd <= budget();
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "%nend to end vs a real Nix client offloading to a warm builder (medians, ms)%n");
        out.printf(Locale.ROOT, "  %-48s %10.1f%n", "end to end (nixpool, ephemeral builder)", endToEnd);
        out.printf(Locale.ROOT, "  %-48s %10.1f%n", "direct (nix-build --builders ssh://, warm)", direct);
        out.printf(Locale.ROOT, "  %-48s %10.2fx%n", "ratio end to end / direct", ratio());
        out.printf(Locale.ROOT, "  %-48s %10.1f%n", "pod start (Scheduled -> pod Ready)", podStart);
        out.printf(Locale.ROOT, "  %-48s %10.1f  %s (by %.1f ms)%n", "target: direct + pod start + 500", budget(),
                met() ? "met" : "MISSED", Math.abs(budget() - endToEnd));
    }
}
