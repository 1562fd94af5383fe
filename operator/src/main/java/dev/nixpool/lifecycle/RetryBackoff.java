package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.nixpool.config.NixpoolConfig;

/**
 * The pause before a new attempt after a lost builder: {@code initial}, doubled for every attempt lost, capped at
 * {@code max}, so a pool whose builders keep dying is not hammered. Kept in memory: an operator restart forgets a
 * pause still running and the next attempt starts at once, which is safe (only sooner).
 */
@ApplicationScoped
public class RetryBackoff {

    private final Duration initial;
    private final Duration max;
    private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();

    @Inject
    public RetryBackoff(NixpoolConfig config) {
        this(config.retry().initialBackoff(), config.retry().maxBackoff());
    }

    public RetryBackoff(Duration initial, Duration max) {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "expected 0 <= nixpool.retry.initial-backoff <= nixpool.retry.max-backoff,"
                            + " got " + initial + " and " + max);
        }
        this.initial = initial;
        this.max = max;
    }

    /** The pause after attempt {@code lostAttempt} (1 = the first) was lost. */
    public Duration delayAfter(int lostAttempt) {
        Duration delay = initial;
        for (int i = 1; i < lostAttempt && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }

    /** Starts the pause of a build whose attempt {@code lostAttempt} was lost; returns its length. */
    public Duration hold(String buildKey, int lostAttempt, Instant now) {
        Duration delay = delayAfter(lostAttempt);
        notBefore.put(buildKey, now.plus(delay));
        return delay;
    }

    /** What is left of the build's pause (zero when none). */
    public Duration remaining(String buildKey, Instant now) {
        Instant until = notBefore.get(buildKey);
        if (until == null || !until.isAfter(now)) {
            notBefore.remove(buildKey, until);
            return Duration.ZERO;
        }
        return Duration.between(now, until);
    }

    public void clear(String buildKey) {
        notBefore.remove(buildKey);
    }
}
