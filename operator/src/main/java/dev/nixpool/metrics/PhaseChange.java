package dev.nixpool.metrics;

import static dev.nixpool.metrics.MeterNames.BUILDER_START;
import static dev.nixpool.metrics.MeterNames.BUILDS_FINISHED;
import static dev.nixpool.metrics.MeterNames.BUILDS_RETRIED;
import static dev.nixpool.metrics.MeterNames.BUILD_DURATION;
import static dev.nixpool.metrics.MeterNames.DISPATCH_LATENCY;
import static dev.nixpool.metrics.MeterNames.NO_POOL;
import static dev.nixpool.metrics.MeterNames.QUEUE_WAIT;
import static dev.nixpool.metrics.MeterNames.TAG_NAMESPACE;
import static dev.nixpool.metrics.MeterNames.TAG_POOL;
import static dev.nixpool.metrics.MeterNames.TAG_REASON;
import static dev.nixpool.metrics.MeterNames.TAG_RESULT;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Tags;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.status.Conditions;
import dev.nixpool.status.Reason;

/**
 * What one written status change of a NixBuild tells the meters, from the status before and after a reconcile. Pure:
 * times come from the reconcile's clock and from the build itself (its creationTimestamp, the conditions'
 * lastTransitionTime), or, more precisely, from the instant this process saw the build enter its previous phase (the
 * API server keeps whole seconds only, which would blur sub-second builder starts).
 *
 * <pre>
 * Pending → Scheduled (attempt 1)   queue wait        creation → now
 * Scheduled → Building              builder start     entered Scheduled → now
 *                     (attempt 1)   dispatch latency  creation → now
 * Building → Succeeded | Failed     build duration    entered Building → now
 * Uploading → Succeeded | Failed    build duration    BuilderReady's time → now (the upload included)
 * any → Succeeded | Failed          builds finished   result, reason
 * Scheduled | Building → Pending    builds retried    (a lost builder; the pool it left)
 * </pre>
 */
public final class PhaseChange {

    /** The reasons the operator writes: anything else on a condition (a hand edit) is counted as Unknown. */
    private static final Set<String> REASONS = Arrays.stream(Reason.values()).map(Reason::value)
            .collect(Collectors.toUnmodifiableSet());
    static final String UNKNOWN_REASON = "Unknown";

    private PhaseChange() {
    }

    /** The phase a status is in: Pending until the lifecycle first looked at the build, as the lifecycle reads it. */
    public static NixBuildPhase phaseOf(NixBuildStatus status) {
        return status != null && status.getPhase() != null ? status.getPhase() : NixBuildPhase.Pending;
    }

    /**
     * @param before the build as the reconcile read it (its status is the status before)
     * @param after the status written
     * @param now the reconcile's time
     * @param enteredBefore when this process saw the build enter its phase before the change, if it did
     */
    public static List<Observation> observe(NixBuild before, NixBuildStatus after, Instant now,
            Optional<Instant> enteredBefore) {
        NixBuildStatus old = before.getStatus();
        NixBuildPhase from = phaseOf(old);
        NixBuildPhase to = phaseOf(after);
        if (from == to) {
            return List.of();
        }
        String namespace = before.getMetadata().getNamespace();
        Optional<Instant> created = instant(before.getMetadata().getCreationTimestamp());
        boolean firstAttempt = Integer.valueOf(1).equals(after.getAttempts());
        List<Observation> observations = new ArrayList<>();
        switch (to) {
            case Scheduled -> {
                Tags pool = poolTags(namespace, after.getMachine());
                if (firstAttempt) {
                    created.ifPresent(c -> observations.add(new Observation.Time(QUEUE_WAIT, pool, since(c, now))));
                }
            }
            case Building -> {
                Tags pool = poolTags(namespace, after.getMachine());
                enteredBefore.or(() -> trueSince(old, Names.CONDITION_SCHEDULED)).ifPresent(
                        scheduled -> observations
                                .add(new Observation.Time(BUILDER_START, pool, since(scheduled, now))));
                if (firstAttempt) {
                    created.ifPresent(
                            c -> observations.add(new Observation.Time(DISPATCH_LATENCY, pool, since(c, now))));
                }
            }
            case Pending -> observations.add(new Observation.Count(BUILDS_RETRIED,
                    poolTags(namespace, old != null ? old.getMachine() : null)));
            case Succeeded, Failed -> {
                String machine = after.getMachine() != null
                        ? after.getMachine()
                        : old != null ? old.getMachine() : null;
                Tags result = poolTags(namespace, machine).and(TAG_RESULT, to.name());
                if (from == NixBuildPhase.Building) {
                    enteredBefore.or(() -> trueSince(old, Names.CONDITION_BUILDER_READY)).ifPresent(
                            building -> observations.add(
                                    new Observation.Time(BUILD_DURATION, result, since(building, now))));
                } else if (from == NixBuildPhase.Uploading) {
                    // the mark is of Uploading: the build's time runs from its connect, the upload included
                    trueSince(old, Names.CONDITION_BUILDER_READY).ifPresent(building -> observations
                            .add(new Observation.Time(BUILD_DURATION, result, since(building, now))));
                }
                observations.add(new Observation.Count(BUILDS_FINISHED, result.and(TAG_REASON, reasonOf(after))));
            }
        }
        return observations;
    }

    static Tags poolTags(String namespace, String machine) {
        return Tags.of(TAG_NAMESPACE, namespace, TAG_POOL, machine != null ? machine : NO_POOL);
    }

    private static String reasonOf(NixBuildStatus status) {
        return Conditions.find(status.getConditions(), Names.CONDITION_SUCCEEDED)
                .map(Condition::getReason)
                .filter(REASONS::contains)
                .orElse(UNKNOWN_REASON);
    }

    /** When the condition last became True, by the status (whole seconds). */
    private static Optional<Instant> trueSince(NixBuildStatus status, String type) {
        if (status == null) {
            return Optional.empty();
        }
        return Conditions.find(status.getConditions(), type)
                .filter(c -> "True".equals(c.getStatus()))
                .flatMap(c -> instant(c.getLastTransitionTime()));
    }

    private static Optional<Instant> instant(String timestamp) {
        if (timestamp == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(timestamp));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Never negative: the API server's clock (creationTimestamp) may run ahead of the operator's. */
    private static Duration since(Instant start, Instant now) {
        Duration duration = Duration.between(start, now);
        return duration.isNegative() ? Duration.ZERO : duration;
    }
}
