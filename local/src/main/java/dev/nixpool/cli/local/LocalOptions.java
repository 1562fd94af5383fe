package dev.nixpool.cli.local;

import static dev.nixpool.cli.OptionValues.value;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nixpool.cli.OptionValues;
import dev.nixpool.cli.UsageException;
import dev.nixpool.local.LocalClusterConfig;

/**
 * Arguments of {@code nixpool local}.
 *
 * @param stateDir where the run's own directory (kubeconfig, builders, logs) is created, and removed at stop; null: the
 *        default of {@link StateDirectory}
 * @param apiPort the API server's port on 127.0.0.1; 0 picks a free one
 * @param operatorLog where the operator's output goes, kept after stop; null: inside the run's directory
 * @param operatorProperties operator settings ({@code --set KEY=VALUE}) on top of the local defaults
 * @param operatorReplicas operator processes, electing a leader among them
 */
record LocalOptions(Path stateDir, int apiPort, Path operatorLog, Map<String, String> operatorProperties,
        int operatorReplicas) {

    LocalOptions {
        operatorProperties = Map.copyOf(operatorProperties);
    }

    static LocalOptions parse(List<String> args) throws UsageException {
        Path stateDir = null;
        int apiPort = 0;
        Path operatorLog = null;
        int replicas = 1;
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--state-dir" -> stateDir = Path.of(value(args, ++i, arg));
                case "--api-port" -> apiPort = OptionValues.port(value(args, ++i, arg), 0, arg);
                case "--operator-log" -> operatorLog = Path.of(value(args, ++i, arg));
                case "--operator-replicas" -> replicas = replicas(value(args, ++i, arg), arg);
                case "--set" -> {
                    String setting = value(args, ++i, arg);
                    int eq = setting.indexOf('=');
                    if (eq <= 0) {
                        throw new UsageException("expected KEY=VALUE after --set, got '" + setting + "'");
                    }
                    properties.put(setting.substring(0, eq), setting.substring(eq + 1));
                }
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option '" + arg + "'"
                        : "expected options only, got '" + arg + "'");
            }
        }
        return new LocalOptions(stateDir, apiPort, operatorLog, properties, replicas);
    }

    private static int replicas(String s, String option) throws UsageException {
        int max = LocalClusterConfig.MAX_OPERATOR_REPLICAS;
        try {
            int replicas = Integer.parseInt(s);
            if (replicas >= 1 && replicas <= max) {
                return replicas;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new UsageException("expected a number from 1 to " + max + " for " + option + ", got '" + s + "'");
    }

}
