package dev.nixpool.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nixpool.runtime.Niceness;

/**
 * Options of one scale benchmark run; {@link #parse} says what was wrong with bad ones.
 *
 * @param builds how many NixBuilds (and ConfigMaps) are applied at once
 * @param maxBuilders the pool's capacity: builder pods at most
 * @param runSeconds how long builds are watched finishing after every build was placed
 * @param operatorLog where the operator's output is kept; null: removed with the local cluster
 * @param warmUp ConfigMaps and NixBuilds applied (and deleted) in a namespace of their own before the measured
 *        applies, so that both JVMs' JIT compilers have compiled the paths of both kinds when the clock runs; 0: none
 * @param builderNice the builder pods' CPU priority ({@code nice}): on a cluster they run on worker nodes, not on the
 *        API server's, and a niced builder leaves the local API server the CPU it would have there; 0 shares the CPU
 *        equally, as local mode does
 * @param operatorNice the operator process's CPU priority; by default the lowest, standing for the operator's own node
 *        (a cluster schedules it on a worker, never beside the API server): it still gets every cycle the API server
 *        and kubectl leave, but does not take theirs; 0 shares the CPU equally, as local mode does
 */
public record ScaleOptions(int builds, int maxBuilders, int runSeconds, Map<String, String> operatorProperties,
        Path operatorLog, int warmUp, int builderNice, int operatorNice) {

    /** Enough objects of each kind to have the hot paths compiled, few enough to take seconds. */
    static final int DEFAULT_WARM_UP = 100;
    /** Builder pods stand on other nodes by default: the scale benchmark measures the API server and the operator. */
    static final int DEFAULT_BUILDER_NICE = 10;
    /**
     * The operator stands on a node of its own by default. Measured on the 2-core machine of docs/benchmarks.md: with
     * the operator stopped during the NixBuilds' apply, the apply took 1.6x the ConfigMaps'; at nice 0 it took 11.7x,
     * at nice 10 2.4-3.1x (the operator still took half a core from the API server's event loop and kubectl).
     */
    static final int DEFAULT_OPERATOR_NICE = Niceness.LOWEST;

    public static ScaleOptions parse(List<String> args) {
        int builds = 1000;
        int maxBuilders = 4;
        int runSeconds = 60;
        Map<String, String> properties = new LinkedHashMap<>();
        Path operatorLog = null;
        int warmUp = DEFAULT_WARM_UP;
        int builderNice = DEFAULT_BUILDER_NICE;
        int operatorNice = DEFAULT_OPERATOR_NICE;
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
                case "--builder-nice" -> builderNice = Niceness.require(read.number(option, 0), option);
                case "--operator-nice" -> operatorNice = Niceness.require(read.number(option, 0), option);
                default -> throw new IllegalArgumentException("unknown option '" + option
                        + "'; expected --builds N, --max-builders M, --run-seconds S, --operator-log FILE,"
                        + " --warm-up N, --builder-nice N, --operator-nice N or --set KEY=VALUE");
            }
        }
        return new ScaleOptions(builds, maxBuilders, runSeconds, Map.copyOf(properties), operatorLog, warmUp,
                builderNice, operatorNice);
    }
}
