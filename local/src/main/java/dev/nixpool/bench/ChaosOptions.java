package dev.nixpool.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of one chaos benchmark run; {@link #parse} says what was wrong with bad ones.
 *
 * @param builds how many NixBuilds run (each a trivial derivation of its own)
 * @param operatorKills how often the operator process is SIGKILLed
 * @param podDeletes how many builder pods are deleted while their build is Building
 * @param connectionCuts how many builds lose their SSH connection while Building
 * @param concurrency builds running at once: the pool has twice as many builders (pods being deleted count)
 * @param seed what the random moments and targets are drawn from: the same seed, the same plan
 * @param operatorLog where the operator's output is kept; null: removed with the local cluster
 */
public record ChaosOptions(int builds, int operatorKills, int podDeletes, int connectionCuts, int concurrency,
        long seed, Map<String, String> operatorProperties, Path operatorLog) {

    public ChaosOptions {
        operatorProperties = Map.copyOf(operatorProperties);
    }

    public static ChaosOptions parse(List<String> args) {
        int builds = 50;
        int kills = 5;
        int deletes = 5;
        int cuts = 5;
        int concurrency = 4;
        long seed = 13;
        Map<String, String> properties = new LinkedHashMap<>();
        Path operatorLog = null;
        BenchArgs read = new BenchArgs(args);
        while (read.hasNext()) {
            String option = read.option();
            switch (option) {
                case "--builds" -> builds = read.number(option, 1);
                case "--operator-kills" -> kills = read.number(option, 0);
                case "--pod-deletes" -> deletes = read.number(option, 0);
                case "--connection-cuts" -> cuts = read.number(option, 0);
                case "--concurrency" -> concurrency = read.number(option, 1);
                case "--seed" -> seed = read.whole(option);
                case "--operator-log" -> operatorLog = read.file(option);
                case "--set" -> read.setting(option, properties);
                default -> throw new IllegalArgumentException("unknown option '" + option
                        + "'; expected --builds N, --operator-kills N, --pod-deletes N, --connection-cuts N,"
                        + " --concurrency C, --seed S, --operator-log FILE or --set KEY=VALUE");
            }
        }
        int hits = deletes + cuts;
        if (hits > ChaosRun.MAX_RETRIES * builds) {
            throw new IllegalArgumentException(hits + " pod deletes and connection cuts are more than " + builds
                    + " builds can take with " + ChaosRun.MAX_RETRIES + " retries each");
        }
        return new ChaosOptions(builds, kills, deletes, cuts, concurrency, seed, properties, operatorLog);
    }

    /** The same run against another number of builds and chaos, e.g. the IT's smaller one. */
    public static ChaosOptions of(int builds, int operatorKills, int podDeletes, int connectionCuts, long seed) {
        return new ChaosOptions(builds, operatorKills, podDeletes, connectionCuts, 4, seed, Map.of(), null);
    }
}
