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
    /** A pool builder's slot: 0 to maxBuilders - 1, the index of its store claim. */
    public static final String LABEL_SLOT = "nixpool.dev/slot";
    /** A hash of what a pool's builder pod is rendered from: an idle builder with an old hash is replaced. */
    public static final String ANNOTATION_TEMPLATE_HASH = "nixpool.dev/template-hash";

    /** Selects every builder pod and key Secret this operator made. */
    public static final String BUILDER_SELECTOR = LABEL_MANAGED_BY + "=" + MANAGED_BY + "," + LABEL_COMPONENT + "="
            + COMPONENT_BUILDER;

    public static final String FINALIZER = "nixpool.dev/cleanup";

    public static final String CONTAINER_BUILDER = "builder";
    public static final String PORT_SSH = "ssh";
    public static final String VOLUME_SSH_KEYS = "ssh-keys";
    public static final String VOLUME_STORE = "nix-store";
    /** Where the builder keeps its Nix store (docs/builder-contract.md): a store claim is mounted here. */
    public static final String STORE_DIR = "/nix";
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
    /** A build with copyTo: whether its outputs arrived there (absent for builds without a destination). */
    public static final String CONDITION_UPLOADED = "Uploaded";

    /** Pod names become host names: keep them within a DNS label. */
    static final int MAX_POD_NAME = 63 - "-ssh".length();
    static final int MAX_LABEL_VALUE = 63;
    static final int MAX_OBJECT_NAME = 253;
    private static final int HASH_LENGTH = 8;

    private Names() {
    }

    /** A builder pod of a pool, e.g. {@code default-0-x7k2q}: pool, slot and a random suffix, as a ReplicaSet names. */
    public static String poolBuilderName(String machineName, int slot, String suffix) {
        return bounded(machineName + "-" + slot + "-" + suffix, MAX_POD_NAME);
    }

    /** The store claim of a pool's builder slot, e.g. {@code default-store-0}. */
    public static String storeClaimName(String machineName, int slot) {
        return bounded(machineName + "-store-" + slot, MAX_OBJECT_NAME);
    }

    /** The selector of one pool's builder pods (BuildMachine status.selector, for the scale subresource). */
    public static String poolSelector(String machineName) {
        return BUILDER_SELECTOR + "," + LABEL_MACHINE + "=" + labelValue(machineName);
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

    /** The labels of a pool's builder pod, its key Secret and its store claim. */
    public static Map<String, String> builderLabels(String machineName, int slot) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        labels.put(LABEL_COMPONENT, COMPONENT_BUILDER);
        labels.put(LABEL_MACHINE, labelValue(machineName));
        labels.put(LABEL_SLOT, Integer.toString(slot));
        return labels;
    }

    /**
     * What an ephemeral builder's pod gains when a build claims it: the build and attempt, so that {@code kubectl get
     * pods -l nixpool.dev/build=NAME} finds it, and so that nobody else ever claims a builder that served a build.
     */
    public static Map<String, String> claimLabels(String buildName, int attempt) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_BUILD, labelValue(buildName));
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

    /** The first {@code length} hex digits of the SHA-256 of {@code value}. */
    public static String shortHash(String value, int length) {
        return sha256Hex(value).substring(0, length);
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
