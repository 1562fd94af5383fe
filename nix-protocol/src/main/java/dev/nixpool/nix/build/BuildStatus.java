package dev.nixpool.nix.build;

import dev.nixpool.nix.wire.NixWireException;

/** BuildResult::Status of src/libstore/build-result.hh, in wire order. */
public enum BuildStatus {
    BUILT, SUBSTITUTED, ALREADY_VALID, PERMANENT_FAILURE, INPUT_REJECTED, OUTPUT_REJECTED, TRANSIENT_FAILURE, CACHED_FAILURE, TIMED_OUT, MISC_FAILURE, DEPENDENCY_FAILED, LOG_LIMIT_EXCEEDED, NOT_DETERMINISTIC, RESOLVES_TO_ALREADY_VALID, NO_SUBSTITUTERS;

    private static final BuildStatus[] ALL = values();

    public int code() {
        return ordinal();
    }

    /** Nix's success rule: Built, Substituted, AlreadyValid, ResolvesToAlreadyValid. */
    public boolean success() {
        return this == BUILT || this == SUBSTITUTED || this == ALREADY_VALID || this == RESOLVES_TO_ALREADY_VALID;
    }

    /** The name Nix prints, e.g. {@code PermanentFailure}. */
    public String nixName() {
        StringBuilder b = new StringBuilder();
        for (String part : name().split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }

    public static BuildStatus fromCode(long code) throws NixWireException {
        if (code < 0 || code >= ALL.length) {
            throw new NixWireException("expected a build status 0.." + (ALL.length - 1) + ", got "
                    + Long.toUnsignedString(code));
        }
        return ALL[(int) code];
    }
}
