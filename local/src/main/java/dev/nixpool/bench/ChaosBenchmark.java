package dev.nixpool.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

import dev.nixpool.local.LocalCluster;
import dev.nixpool.local.LocalClusterConfig;

/**
 * {@code ./nixpool bench chaos}: a {@link ChaosRun} on a local cluster of its own, its {@link ChaosReport} printed.
 * Needs root, Nix and the packaged operator.
 */
public final class ChaosBenchmark {

    static final String NAMESPACE = "chaos";

    private ChaosBenchmark() {
    }

    /** @return 0 when every promise held, 1 otherwise */
    public static int run(ChaosOptions options, Path repoRoot, PrintStream out) throws InterruptedException {
        LocalClusterConfig config = BenchCluster.config(repoRoot, options.operatorProperties(), options.operatorLog());
        long clusterStart = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.start(config)) {
            out.printf(Locale.ROOT, "local cluster started in %.1f s; operator JVM options %s%n",
                    (System.nanoTime() - clusterStart) / 1e9, LocalClusterConfig.operatorJvmOptions());
            ChaosReport report = ChaosRun.execute(cluster, options, NAMESPACE, out);
            report.print(out);
            return report.failures().isEmpty() ? 0 : 1;
        }
    }
}
