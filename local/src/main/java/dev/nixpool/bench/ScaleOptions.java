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
 * @param warmUp ConfigMaps and NixBuilds applied (and deleted) in a namespace of their own before the measured
 *        applies, so that both JVMs' JIT compilers have compiled the paths of both kinds when the clock runs; 0: none
 */
public record ScaleOptions(int builds, int maxBuilders, int runSeconds, Map<String, String> operatorProperties,
        Path operatorLog, int warmUp) {

    /** Enough objects of each kind to have the hot paths compiled, few enough to take seconds. */
    static final int DEFAULT_WARM_UP = 100;

    public static ScaleOptions parse(List<String> args) {
        int builds = 1000;
        int maxBuilders = 4;
        int runSeconds = 60;
        Map<String, String> properties = new LinkedHashMap<>();
        Path operatorLog = null;
        int warmUp = DEFAULT_WARM_UP;
        BenchArgs read = new BenchArgs(args);
        while (read.hasNext()) {
            String option = read.option();
            switch (option) {
                case "--builds" -> builds = read.number(option, 1);
                case "--max-builders" -> maxBuilders = read.number(option, 1);
                case "--run-seconds" -> runSeconds = read.number(option, 1);
                case "--operator-log" -> operatorLog = read.file(option);
                case "--set" -> read.setting(option, properties);
                case "--warm-up" -> warmUp = read.number(option, 0);
                default -> throw new IllegalArgumentException("unknown option '" + option
                        + "'; expected --builds N, --max-builders M, --run-seconds S, --operator-log FILE,"
                        + " --warm-up N or --set KEY=VALUE");
            }
        }
        return new ScaleOptions(builds, maxBuilders, runSeconds, Map.copyOf(properties), operatorLog, warmUp);
    }
}
