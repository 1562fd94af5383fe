package dev.nixpool.bench;

import java.nio.file.Path;
import java.util.Map;

import dev.nixpool.local.LocalClusterConfig;

/** The local cluster a benchmark starts: the repository's build, with the operator settings and log it was given. */
final class BenchCluster {

    private BenchCluster() {
    }

    /**
     * @param operatorProperties settings passed to the operator process ({@code --set})
     * @param operatorLog where the operator's output is kept; null: removed with the local cluster
     */
    static LocalClusterConfig config(Path repoRoot, Map<String, String> operatorProperties, Path operatorLog) {
        LocalClusterConfig config = LocalClusterConfig.fromRepository(repoRoot, repoRoot.resolve("operator/target"));
        for (var setting : operatorProperties.entrySet()) {
            config = config.withOperatorProperty(setting.getKey(), setting.getValue());
        }
        return operatorLog != null ? config.withOperatorLog(operatorLog) : config;
    }
}
