package dev.nixpool.api.v1alpha1;

/**
 * Input patterns shared by the CRD schema (through annotations) and the operator's own checks, so both reject the same
 * input. They follow Nix's rules: store path names from src/libstore/path.cc, nix32 from src/libutil/hash.cc.
 */
public final class ApiPatterns {

    /** A Nix system double such as {@code x86_64-linux}, or {@code builtin}. */
    public static final String SYSTEM = "^([A-Za-z0-9_]+-[A-Za-z0-9_]+|builtin)$";

    /**
     * A system feature as Nix writes it: {@code kvm}, {@code big-parallel}, {@code gccarch-x86-64-v3}. Also used inside
     * a single-quoted CEL string literal, so it must stay free of quotes and backslashes.
     */
    public static final String FEATURE = "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$";

    /** A store path of a derivation: 32 nix32 characters, a name, {@code .drv}. */
    public static final String DRV_PATH = "^/nix/store/[0123456789abcdfghijklmnpqrsvwxyz]{32}-[0-9A-Za-z+\\-._?=]{1,207}\\.drv$";

    /** A NAR hash as Nix's path-info and serve protocol print it: {@code sha256:} and 52 nix32 characters. */
    public static final String NAR_HASH = "^sha256:[0123456789abcdfghijklmnpqrsvwxyz]{52}$";

    /** Any store path. */
    public static final String STORE_PATH = "^/nix/store/[0123456789abcdfghijklmnpqrsvwxyz]{32}-[0-9A-Za-z+\\-._?=]{1,211}$";

    /**
     * A flake installable such as {@code github:owner/repo#attr}: no whitespace, and never a leading '-', so that no
     * command line can take it for an option (nor a leading '#', an attribute without a flake).
     */
    public static final String FLAKE = "^[^\\s#-][^\\s]*$";

    /** A Kubernetes object name (DNS-1123 subdomain). */
    public static final String OBJECT_NAME = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";

    /** A key of a Secret's data, as Kubernetes allows it. */
    public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";

    /**
     * A copyTo destination: file:// with an absolute path, s3://, http(s)://, ssh:// or ssh-ng://; no whitespace (the operator
     * parses the rest, with messages that say what is wrong).
     */
    public static final String COPY_TO_URI = "^(file:///|(s3|https?|ssh|ssh-ng)://[^/?#\\s]+)[^\\s]*$";

    /*
     * Bounds on lists and strings: cheap admission limits, and the API server's CEL cost estimate needs bounded input for
     * rules over them. No real pool or build comes near them.
     */
    public static final int MAX_SYSTEMS = 8;
    public static final int MAX_SYSTEM_LENGTH = 64;
    public static final int MAX_FEATURES = 32;

    private ApiPatterns() {
    }
}
