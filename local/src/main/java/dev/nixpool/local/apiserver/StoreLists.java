package dev.nixpool.local.apiserver;

import java.util.Optional;

/**
 * A list without selectors, answered from the mock's own list text instead of parsing and writing again every object it
 * holds: a client listing 10,000 NixBuilds every second made the server's one event-loop thread parse and print them
 * all each time. Only the envelope is rewritten, to what the API server answers (the list's apiVersion and kind, its
 * metadata with the resourceVersion); the items are the stored texts as they are.
 */
final class StoreLists {

    /** KubernetesResponseComposer's envelope around the items, and around the resourceVersion after them. */
    private static final String HEAD = "{\"apiVersion\":\"v1\",\"kind\":\"List\", \"items\": [";
    private static final String TAIL = "], \"metadata\": {\"resourceVersion\": \"";

    private StoreLists() {
    }

    /**
     * @return the list as {@code apiVersion}'s {@code kind}, or empty when the mock's answer is not the envelope this
     *         expects (then the caller parses it)
     */
    static Optional<String> relabel(String composed, String apiVersion, String kind) {
        int tail = composed.lastIndexOf(TAIL);
        if (!composed.startsWith(HEAD) || tail < HEAD.length() - 1) {
            return Optional.empty();
        }
        int versionStart = tail + TAIL.length();
        int versionEnd = composed.indexOf('"', versionStart);
        if (versionEnd < 0) {
            return Optional.empty();
        }
        String resourceVersion = composed.substring(versionStart, versionEnd);
        if (!resourceVersion.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        StringBuilder list = new StringBuilder(composed.length() + 64);
        list.append("{\"apiVersion\":").append(GoValues.quote(apiVersion)).append(",\"kind\":")
                .append(GoValues.quote(kind)).append(",\"metadata\":{\"resourceVersion\":\"")
                .append(resourceVersion.isEmpty() ? "0" : resourceVersion).append("\"},\"items\":[")
                .append(composed, HEAD.length(), tail).append("]}");
        return Optional.of(list.toString());
    }
}
