package dev.nixpool.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requests of one kubectl run as kubectl itself timed them: its {@code -v=6} log has one line per request
 * ({@code round_trippers.go:560] POST https://... 201 Created in 3 milliseconds}). Their sum against the run's wall time
 * says how much of it kubectl spent waiting for the server.
 */
record KubectlRequests(List<Integer> millis) {

    private static final Pattern REQUEST = Pattern
            .compile("round_trippers\\.go:\\d+\\] (GET|POST|PUT|PATCH|DELETE) .* in (\\d+) milliseconds");

    static KubectlRequests parse(List<String> logLines) {
        List<Integer> millis = new ArrayList<>();
        for (String line : logLines) {
            Matcher matcher = REQUEST.matcher(line);
            if (matcher.find()) {
                millis.add(Integer.parseInt(matcher.group(2)));
            }
        }
        return new KubectlRequests(List.copyOf(millis));
    }

    int count() {
        return millis.size();
    }

    double totalSeconds() {
        return millis.stream().mapToLong(Integer::longValue).sum() / 1000.0;
    }

    /** The {@code p}-th percentile (0-100) by nearest rank, 0 without requests. */
    int percentile(double p) {
        if (millis.isEmpty()) {
            return 0;
        }
        List<Integer> sorted = millis.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    String summary(double wallSeconds) {
        return String.format(Locale.ROOT, "%d requests, %.1f s of waiting for answers (%.0f %% of the run),"
                + " per request p50 %d ms, p90 %d ms, p99 %d ms, max %d ms", count(), totalSeconds(),
                wallSeconds > 0 ? 100 * totalSeconds() / wallSeconds : 0, percentile(50), percentile(90),
                percentile(99), percentile(100));
    }
}
