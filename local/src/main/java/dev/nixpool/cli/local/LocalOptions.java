package dev.nixpool.cli.local;

import static dev.nixpool.cli.OptionValues.value;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nixpool.cli.OptionValues;
import dev.nixpool.cli.UsageException;
import dev.nixpool.local.LocalClusterConfig;
import dev.nixpool.runtime.LocalNode;

/**
 * Arguments of {@code nixpool local}.
 *
 * @param stateDir where the run's own directory (kubeconfig, builders, logs) is created, and removed at stop; null: the
 *        default of {@link StateDirectory}
 * @param apiPort the API server's port on 127.0.0.1; 0 picks a free one
 * @param operatorLog where the operator's output goes, kept after stop; null: inside the run's directory
 * @param operatorProperties operator settings ({@code --set KEY=VALUE}) on top of the local defaults
 * @param operatorReplicas operator processes, electing a leader among them
 * @param nodeLabelChanges {@code --node-label KEY=VALUE} / {@code KEY-}: the played node's labels changed
 * @param nodeTaints {@code --node-taint KEY[=VALUE]:EFFECT}: taints of the played node
 */
record LocalOptions(Path stateDir, int apiPort, Path operatorLog, Map<String, String> operatorProperties,
        int operatorReplicas, List<String> nodeLabelChanges, List<String> nodeTaints) {

    LocalOptions {
        operatorProperties = Map.copyOf(operatorProperties);
        nodeLabelChanges = List.copyOf(nodeLabelChanges);
        nodeTaints = List.copyOf(nodeTaints);
    }

    static LocalOptions parse(List<String> args) throws UsageException {
        Path stateDir = null;
        int apiPort = 0;
        Path operatorLog = null;
        int replicas = 1;
        Map<String, String> properties = new LinkedHashMap<>();
        List<String> labelChanges = new ArrayList<>();
        List<String> taints = new ArrayList<>();
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
                case "--node-label" -> labelChanges.add(value(args, ++i, arg));
                case "--node-taint" -> taints.add(value(args, ++i, arg));
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option '" + arg + "'"
                        : "expected options only, got '" + arg + "'");
            }
        }
        try {
            LocalNode.detect().withLabelChanges(labelChanges).withTaints(taints);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return new LocalOptions(stateDir, apiPort, operatorLog, properties, replicas, labelChanges, taints);
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
