package dev.nixpool.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Issue 9's targets for a build given an idle Ready builder: from the NixBuild's creation to the build command running
 * on the builder, p50 at most 100 ms and p95 at most 300 ms; end to end (median) at most 1.2 times what a real Nix
 * client takes to offload the same build to a warm builder (median), all in milliseconds from one run.
 *
 * @param toCommand created -> build command on the builder
 * @param endToEnd created -> Succeeded
 * @param direct nix-build's wall time
 * @param directToCommand nix-build started -> build command on its builder, for comparison
 */
record WarmComparison(LatencyStats toCommand, LatencyStats endToEnd, LatencyStats direct,
        LatencyStats directToCommand) {

    static final double COMMAND_P50_TARGET = 100;
    static final double COMMAND_P95_TARGET = 300;
    static final double RATIO_TARGET = 1.2;

    double ratio() {
        return endToEnd.median() / direct.median();
    }

    boolean commandP50Met() {
        return toCommand.median() <= COMMAND_P50_TARGET;
    }

    boolean commandP95Met() {
        return toCommand.p95() <= COMMAND_P95_TARGET;
    }

    boolean ratioMet() {
        return ratio() <= RATIO_TARGET;
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "%nwarm builder vs a real Nix client offloading to a warm builder (ms)%n");
        out.printf(Locale.ROOT, "  %-58s %9s %9s%n", "", "median", "p95");
        row(out, "nixpool: created -> build command on the builder", toCommand);
        row(out, "direct: nix-build started -> build command on the builder", directToCommand);
        row(out, "nixpool: end to end (created -> Succeeded)", endToEnd);
        row(out, "direct: nix-build --builders ssh:// (wall time)", direct);
        out.printf(Locale.ROOT, "  %-58s %9.2fx  target <= %.1fx: %s%n", "ratio end to end / direct (medians)",
                ratio(), RATIO_TARGET, verdict(ratioMet()));
        out.printf(Locale.ROOT, "  %-58s %9.1f  target <= %.0f: %s%n", "created -> build command on the builder, p50",
                toCommand.median(), COMMAND_P50_TARGET, verdict(commandP50Met()));
        out.printf(Locale.ROOT, "  %-58s %9.1f  target <= %.0f: %s%n", "created -> build command on the builder, p95",
                toCommand.p95(), COMMAND_P95_TARGET, verdict(commandP95Met()));
    }

    private static void row(PrintStream out, String label, LatencyStats stats) {
        out.printf(Locale.ROOT, "  %-58s %9.1f %9.1f%n", label, stats.median(), stats.p95());
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT MET";
    }
}
