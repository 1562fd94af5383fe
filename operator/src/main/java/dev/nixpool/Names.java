package dev.nixpool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place for the names, labels, annotations, finalizer and condition types the operator writes (see
 * docs/builder-contract.md; reasons are {@link dev.nixpool.status.Reason}). Generated names are deterministic, so that an operator restart finds what it created.
 */
public final class Names {

    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "nixpool";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String COMPONENT_BUILDER = "builder";
    public static final String LABEL_BUILD = "nixpool.dev/build";
    public static final String LABEL_MACHINE = "nixpool.dev/machine";
    public static final String LABEL_ATTEMPT = "nixpool.dev/attempt";

    /** Selects every builder pod and key Secret this operator made. */
    public static final String BUILDER_SELECTOR = LABEL_MANAGED_BY + "=" + MANAGED_BY + "," + LABEL_COMPONENT + "="
            + COMPONENT_BUILDER;

    public static final String FINALIZER = "nixpool.dev/cleanup";

    public static final String CONTAINER_BUILDER = "builder";
    public static final String PORT_SSH = "ssh";
    public static final String VOLUME_SSH_KEYS = "ssh-keys";
    public static final String SSH_DIR = "/etc/nixpool/ssh";

    /** Keys of the per-builder Secret (docs/builder-contract.md, "Keys: one Secret per builder"). */
    public static final String KEY_HOST_PRIVATE = "ssh_host_ed25519_key";
    public static final String KEY_HOST_PUBLIC = "ssh_host_ed25519_key.pub";
    public static final String KEY_AUTHORIZED_KEYS = "authorized_keys";
    public static final String KEY_CLIENT_PRIVATE = "client_ed25519_key";
    public static final String KEY_CLIENT_PUBLIC = "client_ed25519_key.pub";

    public static final String CONDITION_SCHEDULED = "Scheduled";
    public static final String CONDITION_BUILDER_READY = "BuilderReady";
    public static final String CONDITION_READY = "Ready";
    public static final String CONDITION_SUCCEEDED = "Succeeded";

    /** Pod names become host names: keep them within a DNS label. */
    static final int MAX_POD_NAME = 63 - "-ssh".length();
    static final int MAX_LABEL_VALUE = 63;
    static final int MAX_OBJECT_NAME = 253;
    private static final int HASH_LENGTH = 8;

    private Names() {
    }

    /** The builder pod of one attempt of a build, e.g. {@code hello-builder-1}. */
    public static String builderPodName(String buildName, int attempt) {
        return bounded(buildName + "-builder-" + attempt, MAX_POD_NAME);
    }

    /** The key Secret of a builder pod: the pod's name plus {@code -ssh}. */
    public static String keySecretName(String podName) {
        return podName + "-ssh";
    }

    /** An Event about {@code objectName}: unique per call site through {@code suffix}, within the 253 a name may have. */
    public static String eventName(String objectName, String suffix) {
        return bounded(objectName, MAX_OBJECT_NAME - suffix.length() - 1) + "." + suffix;
    }

    /** Label values are at most 63 characters; object names may be longer. */
    public static String labelValue(String value) {
        return bounded(value, MAX_LABEL_VALUE);
    }

    /** The labels of a build's builder pod and Secret. */
    public static Map<String, String> builderLabels(String buildName, String machineName, int attempt) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        labels.put(LABEL_COMPONENT, COMPONENT_BUILDER);
        labels.put(LABEL_BUILD, labelValue(buildName));
        labels.put(LABEL_MACHINE, labelValue(machineName));
        labels.put(LABEL_ATTEMPT, Integer.toString(attempt));
        return labels;
    }

    /**
     * {@code name} if it fits, otherwise a prefix and an 8-character hash of the whole name: distinct long names stay
     * distinct, and the result still starts and ends with an alphanumeric character.
     */
    static String bounded(String name, int max) {
        if (name.length() <= max) {
            return name;
        }
        String prefix = name.substring(0, max - HASH_LENGTH - 1).replaceAll("[^a-z0-9]+$", "");
        return prefix + "-" + sha256Hex(name).substring(0, HASH_LENGTH);
    }

    private static String sha256Hex(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
