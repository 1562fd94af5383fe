package dev.nixpool.remote;

import java.util.ArrayList;
import java.util.List;

/**
 * Nix settings of one build, given to the builder with the session rather than in the builder pod's environment: a
 * reusable builder serves many builds, each with its own caches. The session adds them to every Nix command it runs
 * for the build (see docs/builder-session.md), on top of the builder's own nix.conf.
 * <p>
 * Nix takes each setting as one space-separated string, and the session passes it through the remote user's shell, so
 * every value must be one word: no whitespace, quotes, backslashes or control characters. The bounds are the CRD's.
 *
 * @param substituters binary cache URLs the builder may substitute from for this build
 * @param trustedPublicKeys keys ({@code name:base64}) whose signatures the builder accepts on substituted paths
 * @throws InvalidNixSettingsException when a value breaks one of those rules
 */
public record NixSettings(List<String> substituters, List<String> trustedPublicKeys) {

    /** No settings of the build's own: the builder's nix.conf alone, and the exact commands of a builder without. */
    public static final NixSettings NONE = new NixSettings(List.of(), List.of());

    public static final int MAX_VALUES = 16;
    public static final int MAX_SUBSTITUTER_LENGTH = 2048;
    public static final int MAX_KEY_LENGTH = 512;

    public NixSettings {
        List<String> problems = problems(substituters, trustedPublicKeys);
        if (!problems.isEmpty()) {
            throw new InvalidNixSettingsException(problems);
        }
        substituters = substituters == null ? List.of() : List.copyOf(substituters);
        trustedPublicKeys = trustedPublicKeys == null ? List.of() : List.copyOf(trustedPublicKeys);
    }

    /** Null lists mean none, as an absent field in a spec does. */
    public static NixSettings of(List<String> substituters, List<String> trustedPublicKeys) {
        return new NixSettings(substituters, trustedPublicKeys);
    }

    public boolean isEmpty() {
        return substituters.isEmpty() && trustedPublicKeys.isEmpty();
    }

    /**
     * What is wrong with these values, one line each (empty when they are fine): for spec validation, which reports
     * problems rather than throwing.
     */
    public static List<String> problems(List<String> substituters, List<String> trustedPublicKeys) {
        List<String> problems = new ArrayList<>();
        check(problems, "substituters", substituters, MAX_SUBSTITUTER_LENGTH);
        check(problems, "trustedPublicKeys", trustedPublicKeys, MAX_KEY_LENGTH);
        return problems;
    }

    private static void check(List<String> problems, String name, List<String> values, int maxLength) {
        if (values == null) {
            return;
        }
        if (values.size() > MAX_VALUES) {
            problems.add(name + " must hold at most " + MAX_VALUES + " values, got " + values.size());
            return;
        }
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            String field = name + "[" + i + "]";
            if (value == null || value.isEmpty()) {
                problems.add(field + " must not be empty");
            } else if (value.length() > maxLength) {
                problems.add(field + " must be at most " + maxLength + " characters long, got " + value.length());
            } else if (value.codePoints().anyMatch(NixSettings::forbidden)) {
                problems.add(field + " must be one word without whitespace, quotes, backslashes or control "
                        + "characters, got '" + printable(value) + "'");
            }
        }
    }

    /**
     * Nix splits a setting's value on whitespace, so a space would turn one value into two; quotes and backslashes have
     * no business in a URL or a key and would only matter to a shell.
     */
    private static boolean forbidden(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c) || c == '\''
                || c == '"' || c == '`' || c == '\\';
    }

    /** The value as it can go into a status message: control characters shown as escapes. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
