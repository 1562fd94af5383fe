package dev.nixpool.lifecycle;

import java.time.Duration;

/** A build's duration as kubectl prints ages: {@code 850ms}, {@code 42s}, {@code 3m7s}, {@code 2h5m}. */
public final class BuildDuration {

    private BuildDuration() {
    }

    public static String format(Duration duration) {
        Duration d = duration.isNegative() ? Duration.ZERO : duration;
        long seconds = d.toSeconds();
        if (seconds < 1) {
            return d.toMillis() + "ms";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + (seconds % 60 == 0 ? "" : seconds % 60 + "s");
        }
        return seconds / 3600 + "h" + (seconds % 3600 / 60 == 0 ? "" : seconds % 3600 / 60 + "m");
    }
}
