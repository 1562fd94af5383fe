package dev.nixpool.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of one scale benchmark run; {@link #parse} says what was wrong with bad ones.
 *
 * @param builds how many NixBuilds (and ConfigMaps) are applied at once
 * @param maxBuilders the pool's capacity: builder pods at most
 * @param runSeconds how long builds are watched finishing after every build was placed
 * @param operatorLog where the operator's output is kept; null: removed with the local cluster
 */
public record ScaleOptions(int builds, int maxBuilders, int runSeconds, Map<String, String> operatorProperties,
        Path operatorLog) {

    public static ScaleOptions parse(List<String> args) {
        int builds = 1000;
        int maxBuilders = 4;
        int runSeconds = 60;
        Map<String, String> properties = new LinkedHashMap<>();
        Path operatorLog = null;
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            switch (option) {
                case "--builds" -> builds = positive(option, args, ++i);
                case "--max-builders" -> maxBuilders = positive(option, args, ++i);
                case "--run-seconds" -> runSeconds = positive(option, args, ++i);
                case "--operator-log" -> {
                    if (++i >= args.size() || args.get(i).isBlank()) {
                        throw new IllegalArgumentException("--operator-log needs a file name after it");
                    }
                    operatorLog = Path.of(args.get(i)).toAbsolutePath();
                }
                case "--set" -> {
                    String setting = ++i < args.size() ? args.get(i) : "";
                    int equals = setting.indexOf('=');
                    if (equals < 1) {
                        throw new IllegalArgumentException(
                                "--set needs an operator setting KEY=VALUE, got '" + setting + "'");
                    }
                    properties.put(setting.substring(0, equals), setting.substring(equals + 1));
                }
                default -> throw new IllegalArgumentException("unknown option '" + option
                        + "'; expected --builds N, --max-builders M, --run-seconds S, --operator-log FILE"
                        + " or --set KEY=VALUE");
            }
        }
        return new ScaleOptions(builds, maxBuilders, runSeconds, Map.copyOf(properties), operatorLog);
    }

    private static int positive(String option, List<String> args, int index) {
        if (index >= args.size()) {
            throw new IllegalArgumentException(option + " needs a positive number after it, got nothing");
        }
        try {
            int value = Integer.parseInt(args.get(index));
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the value that came
        }
        throw new IllegalArgumentException(option + " needs a positive number, got '" + args.get(index) + "'");
    }
}
