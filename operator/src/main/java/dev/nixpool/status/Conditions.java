package dev.nixpool.status;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/**
 * The one way the operator writes conditions: type, status, reason, message, observedGeneration, and a
 * lastTransitionTime that moves only when the condition's status flips (Kubernetes API conventions), so watchers can
 * tell "since when" from "last looked at". Reasons and messages are bounded ({@link StatusText}).
 */
public final class Conditions {

    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

    private Conditions() {
    }

    /**
     * Sets the condition of {@code type} in place.
     *
     * @return true when its status, reason or message changed (or it is new): the cue for a user-facing Event
     */
    public static boolean set(List<Condition> conditions, String type, boolean status, String reason, String message,
            Long observedGeneration, Instant now) {
        String statusText = status ? "True" : "False";
        reason = StatusText.bounded(reason, StatusText.CONDITION_REASON);
        message = StatusText.bounded(message, StatusText.CONDITION_MESSAGE);
        Optional<Condition> existing = find(conditions, type);
        if (existing.isEmpty()) {
            conditions.add(new ConditionBuilder()
                    .withType(type)
                    .withStatus(statusText)
                    .withReason(reason)
                    .withMessage(message)
                    .withObservedGeneration(observedGeneration)
                    .withLastTransitionTime(timestamp(now))
                    .build());
            return true;
        }
        Condition condition = existing.get();
        boolean flipped = !statusText.equals(condition.getStatus());
        boolean changed = flipped || !Objects.equals(reason, condition.getReason())
                || !Objects.equals(message, condition.getMessage());
        if (flipped || condition.getLastTransitionTime() == null) {
            condition.setLastTransitionTime(timestamp(now));
        }
        condition.setStatus(statusText);
        condition.setReason(reason);
        condition.setMessage(message);
        condition.setObservedGeneration(observedGeneration);
        return changed;
    }

    /** {@link #set(List, String, boolean, String, String, Long, Instant)} with a reason of the one vocabulary. */
    public static boolean set(List<Condition> conditions, String type, boolean status, Reason reason, String message,
            Long observedGeneration, Instant now) {
        return set(conditions, type, status, reason.value(), message, observedGeneration, now);
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** RFC 3339 in whole seconds, as the API server stores metav1.Time. */
    public static String timestamp(Instant instant) {
        return RFC3339.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
