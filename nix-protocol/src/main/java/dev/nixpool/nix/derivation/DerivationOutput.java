package dev.nixpool.nix.derivation;

/**
 * One output of a derivation as the ATerm and the serve protocol carry it: input-addressed outputs have a path and
 * empty hashAlgo/hash; fixed-output ones a path, an algorithm like {@code r:sha256} and a base16 hash; floating
 * content-addressed ones no path yet.
 */
public record DerivationOutput(String path, String hashAlgo, String hash) {

    public DerivationOutput {
        if (path == null || hashAlgo == null || hash == null) {
            throw new IllegalArgumentException("derivation output fields must not be null (use \"\" for none)");
        }
    }

    public static DerivationOutput inputAddressed(String path) {
        return new DerivationOutput(path, "", "");
    }

    public boolean isFixed() {
        return !hash.isEmpty();
    }
}
