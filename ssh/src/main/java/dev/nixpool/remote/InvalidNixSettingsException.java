package dev.nixpool.remote;

import java.util.List;

/** Per-build Nix settings that cannot go on a builder's command line; the message lists every problem. */
public class InvalidNixSettingsException extends IllegalArgumentException {

    private final List<String> problems;

    public InvalidNixSettingsException(List<String> problems) {
        super("invalid Nix settings: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem on its own, naming the setting, the index of the value and the value. */
    public List<String> problems() {
        return problems;
    }
}
