package dev.nixpool.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Median and 95th percentile (nearest rank) of a set of durations in milliseconds. */
record LatencyStats(int count, double median, double p95, double max) {

    static LatencyStats of(List<Double> millis) {
        List<Double> sorted = new ArrayList<>(millis.stream().filter(Objects::nonNull).toList());
        if (sorted.isEmpty()) {
            return new LatencyStats(0, Double.NaN, Double.NaN, Double.NaN);
        }
        sorted.sort(Double::compare);
        return new LatencyStats(sorted.size(), percentile(sorted, 50), percentile(sorted, 95),
                sorted.get(sorted.size() - 1));
    }

    /** Nearest rank: the smallest value with at least p % of the values at or below it. */
    static double percentile(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
