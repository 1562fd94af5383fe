package dev.nixpool.status;

/**
 * Bounds on every string the operator writes into an object's status or an Event. An API server stores an object whole
 * (etcd refuses one over about 1.5 MiB) and a status write that is refused leaves the build where it was, so a text
 * the operator does not control (an evaluator's error of megabytes, a pod's message) must never be written at its own
 * length. Too long a text keeps its head, which says what failed, and ends with a marker saying how much was cut; the
 * build log keeps the whole text.
 */
public final class StatusText {

    /** A condition's message: metav1.Condition allows 32768 characters, this keeps well under. */
    public static final int CONDITION_MESSAGE = 8192;
    /** A condition's reason: metav1.Condition's limit. */
    public static final int CONDITION_REASON = 1024;
    /** An Event's message: what the Events API keeps. */
    public static final int EVENT_MESSAGE = 1024;
    /** status.logTail: a few dozen lines of the build log. */
    public static final int LOG_TAIL = 16384;
    /** Short fields: a store path, a pod or pool name, Nix's status word, a summary. */
    public static final int SHORT = 1024;

    private StatusText() {
    }

    /** {@code text} itself when it has at most {@code max} characters, else its head and the marker within max. */
    public static String bounded(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        // the marker's own length depends on the count it prints: size it for the longest count first
        String longest = marker(text.length());
        int keep = Math.max(0, max - longest.length());
        if (keep > 0 && Character.isHighSurrogate(text.charAt(keep - 1))) {
            keep--;
        }
        return text.substring(0, keep) + marker(text.length() - keep);
    }

    private static String marker(int cut) {
        return " ... [" + cut + " more characters cut; the build log has them all]";
    }
}
