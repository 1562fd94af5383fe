package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.nixpool.api.v1alpha1.NixBuildSpec;

/**
 * The time limit a build is held to: its own {@code spec.timeoutSeconds}, or the cluster's default
 * ({@code nixpool.runner.default-build-timeout}) when that is shorter or the build sets none, so that no build (an
 * expression that never finishes evaluating, a builder that never answers) holds its slot for ever. Counted from
 * {@code status.startTime}, waiting for a builder included.
 *
 * @param seconds the limit
 * @param source what set it, as the build's failure message names it
 */
public record BuildDeadline(long seconds, String source) {

    /** The limit for {@code spec}; empty when neither the build nor the cluster sets one. */
    public static Optional<BuildDeadline> of(NixBuildSpec spec, Optional<Duration> clusterDefault) {
        Long own = spec.getTimeoutSeconds();
        Optional<Long> fallback = clusterDefault.map(Duration::toSeconds).filter(s -> s > 0);
        if (own != null && (fallback.isEmpty() || own <= fallback.get())) {
            return Optional.of(new BuildDeadline(own, "spec.timeoutSeconds (" + own + "s"));
        }
        return fallback.map(s -> new BuildDeadline(s, "the cluster's default build time limit (" + s
                + "s, nixpool.runner.default-build-timeout; spec.timeoutSeconds can only shorten it"));
    }

    public Instant from(Instant start) {
        return start.plusSeconds(seconds);
    }

    /** Why a build that started at {@code startTime} ended now. */
    public String overdueMessage(String startTime) {
        return "the build did not finish within " + source + " since it started at " + startTime
                + ", waiting for a builder included)";
    }
}
