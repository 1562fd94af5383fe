package dev.nixpool.nix.build;

/**
 * The build settings serve's BuildPaths and BuildDerivation send. {@link #DEFAULTS} is what Nix 2.8's client sends when
 * the user set nothing: 0, 0, 0, 0, true, false. Times are seconds, 0 = no limit.
 */
public record BuildOptions(long maxSilentTime, long buildTimeout, long maxLogSize, long nrRepeats,
        boolean enforceDeterminism, boolean keepFailed) {

    public static final BuildOptions DEFAULTS = new BuildOptions(0, 0, 0, 0, true, false);

    public BuildOptions {
        if (maxSilentTime < 0 || maxSilentTime > 0xFFFFFFFFL) {
            throw new IllegalArgumentException(
                    "maxSilentTime must fit Nix's unsigned int (0..4294967295 s), got " + maxSilentTime);
        }
        if (buildTimeout < 0 || maxLogSize < 0 || nrRepeats < 0) {
            throw new IllegalArgumentException("build timeout, log size and repeats must not be negative");
        }
    }

    public BuildOptions withMaxSilentTime(long seconds) {
        return new BuildOptions(seconds, buildTimeout, maxLogSize, nrRepeats, enforceDeterminism, keepFailed);
    }

    public BuildOptions withBuildTimeout(long seconds) {
        return new BuildOptions(maxSilentTime, seconds, maxLogSize, nrRepeats, enforceDeterminism, keepFailed);
    }

    public BuildOptions withMaxLogSize(long bytes) {
        return new BuildOptions(maxSilentTime, buildTimeout, bytes, nrRepeats, enforceDeterminism, keepFailed);
    }
}
