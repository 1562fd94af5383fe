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
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            switch (option) {
                case "--builds" -> builds = number(option, args, ++i, 1);
                case "--operator-kills" -> kills = number(option, args, ++i, 0);
                case "--pod-deletes" -> deletes = number(option, args, ++i, 0);
                case "--connection-cuts" -> cuts = number(option, args, ++i, 0);
                case "--concurrency" -> concurrency = number(option, args, ++i, 1);
                case "--seed" -> {
                    String value = ++i < args.size() ? args.get(i) : "";
                    try {
                        seed = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--seed needs a whole number, got '" + value + "'");
                    }
                }
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

    private static int number(String option, List<String> args, int index, int min) {
        if (index >= args.size()) {
            throw new IllegalArgumentException(option + " needs a number after it, got nothing");
        }
        try {
            int value = Integer.parseInt(args.get(index));
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the value that came
        }
        throw new IllegalArgumentException(option + " needs a number of at least " + min + ", got '"
                + args.get(index) + "'");
    }
}
