package dev.nixpool.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A benchmark command's options read in order, each value-taking option reading the word after it, with the same
 * messages for the same mistakes in every benchmark. {@code --operator-log FILE} and {@code --set KEY=VALUE} mean the
 * same everywhere they are accepted.
 */
final class BenchArgs {

    private final List<String> args;
    private int next;

    BenchArgs(List<String> args) {
        this.args = List.copyOf(args);
    }

    boolean hasNext() {
        return next < args.size();
    }

    /** The next option's name. */
    String option() {
        return args.get(next++);
    }

    /** The value after {@code option}: a whole number of at least {@code min}. */
    int number(String option, int min) {
        String value = value(option, "a number");
        try {
            int number = Integer.parseInt(value);
            if (number >= min) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below with the value that came
        }
        throw new IllegalArgumentException(option + " needs a number of at least " + min + ", got '" + value + "'");
    }

    /** The value after {@code option}: any whole number (e.g. a seed). */
    long whole(String option) {
        String value = value(option, "a whole number");
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + value + "'");
        }
    }

    /** The value after {@code option}: a file name, made absolute. */
    Path file(String option) {
        String value = value(option, "a file name");
        if (value.isBlank()) {
            throw new IllegalArgumentException(option + " needs a file name after it");
        }
        return Path.of(value).toAbsolutePath();
    }

    /** The value after {@code option}: one of {@code choices}. */
    String choice(String option, List<String> choices) {
        String value = value(option, "one of " + String.join(", ", choices));
        if (!choices.contains(value)) {
            throw new IllegalArgumentException(option + " needs one of " + String.join(", ", choices) + ", got '"
                    + value + "'");
        }
        return value;
    }

    /** The value after {@code --set}: an operator setting KEY=VALUE, put into {@code settings}. */
    void setting(String option, Map<String, String> settings) {
        String setting = hasNext() ? args.get(next++) : "";
        int equals = setting.indexOf('=');
        if (equals < 1) {
            throw new IllegalArgumentException(option + " needs an operator setting KEY=VALUE, got '" + setting + "'");
        }
        settings.put(setting.substring(0, equals), setting.substring(equals + 1));
    }

    private String value(String option, String what) {
        if (!hasNext()) {
            throw new IllegalArgumentException(option + " needs " + what + " after it, got nothing");
        }
        return args.get(next++);
    }
}
