package dev.nixpool.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Issue 10's speed targets, from one run: a trivial build through the gateway to a warm builder takes at most 1.3 times
 * a direct Nix offload to the same kind of builder (medians of nix-build's wall time), and a build with a large input
 * through the gateway reaches at least 70 % of the direct offload's throughput (input bytes per wall-clock second).
 *
 * @param trivialGateway nix-build's wall times through the gateway (ms)
 * @param trivialDirect nix-build's wall times offloading directly over OpenSSH (ms)
 * @param inputBytes the large build's input size
 * @param largeGatewayMillis the large build's wall time through the gateway
 * @param largeDirectMillis the large build's wall time offloaded directly
 */
record GatewayComparison(LatencyStats trivialGateway, LatencyStats trivialDirect, long inputBytes,
        double largeGatewayMillis, double largeDirectMillis) {

    static final double RATIO_TARGET = 1.3;
    static final double THROUGHPUT_TARGET = 0.70;

    double ratio() {
        return trivialGateway.median() / trivialDirect.median();
    }

    boolean ratioMet() {
        return ratio() <= RATIO_TARGET;
    }

    /** MiB per second of wall time. */
    static double mibPerSecond(long bytes, double millis) {
        return bytes / (1024.0 * 1024.0) / (millis / 1000.0);
    }

    /** The gateway's throughput as a share of the direct offload's. */
    double throughputShare() {
        return largeDirectMillis / largeGatewayMillis;
    }

    boolean throughputMet() {
        return throughputShare() >= THROUGHPUT_TARGET;
    }

    boolean allMet() {
        return ratioMet() && throughputMet();
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "%ntrivial build, nix-build wall time (ms)%n");
        out.printf(Locale.ROOT, "  %-52s %9s %9s %9s%n", "", "median", "p95", "n");
        row(out, "through the gateway to a warm builder", trivialGateway);
        row(out, "direct offload over OpenSSH to a warm builder", trivialDirect);
        out.printf(Locale.ROOT, "  %-52s %9.2fx  target <= %.1fx: %s (%+.0f %%)%n", "ratio gateway / direct (medians)",
                ratio(), RATIO_TARGET, verdict(ratioMet()), (ratio() / RATIO_TARGET - 1) * 100);
        out.printf(Locale.ROOT, "%nbuild with a %.0f MiB input, nix-build wall time%n", inputBytes / (1024.0 * 1024.0));
        out.printf(Locale.ROOT, "  %-52s %9.1f s %7.1f MiB/s%n", "through the gateway", largeGatewayMillis / 1000,
                mibPerSecond(inputBytes, largeGatewayMillis));
        out.printf(Locale.ROOT, "  %-52s %9.1f s %7.1f MiB/s%n", "direct offload over OpenSSH",
                largeDirectMillis / 1000,
                mibPerSecond(inputBytes, largeDirectMillis));
        out.printf(Locale.ROOT, "  %-52s %9.0f %%  target >= %.0f %%: %s%n", "gateway throughput / direct",
                throughputShare() * 100, THROUGHPUT_TARGET * 100, verdict(throughputMet()));
    }

    private static void row(PrintStream out, String label, LatencyStats stats) {
        out.printf(Locale.ROOT, "  %-52s %9.1f %9.1f %9d%n", label, stats.median(), stats.p95(), stats.count());
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT MET";
    }
}
