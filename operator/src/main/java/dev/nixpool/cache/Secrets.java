package dev.nixpool.cache;

import java.util.List;

/** Removes credential values from text a destination sent back, before it reaches a message, log or status. */
final class Secrets {

    private final List<String> values;

    Secrets(List<String> values) {
        this.values = values.stream().filter(v -> v != null && v.length() >= 4).toList();
    }

    static Secrets none() {
        return new Secrets(List.of());
    }

    String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        for (String v : values) {
            out = out.replace(v, "***");
        }
        return out;
    }
}
