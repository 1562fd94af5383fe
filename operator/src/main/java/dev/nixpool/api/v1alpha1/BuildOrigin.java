package dev.nixpool.api.v1alpha1;

import java.util.Map;

/**
 * Where a NixBuild came from, in its labels: builds the gateway created for a Nix client carry
 * {@code nixpool.dev/origin: gateway} and the client key's name in {@code nixpool.dev/client-key}, so {@code kubectl get
 * nixbuilds -l nixpool.dev/origin=gateway} lists them. The operator never runs such a build itself: the client's
 * connection drives it on the builder the operator assigns.
 */
public final class BuildOrigin {

    public static final String LABEL = "nixpool.dev/origin";
    public static final String GATEWAY = "gateway";
    public static final String CLIENT_KEY_LABEL = "nixpool.dev/client-key";

    private BuildOrigin() {
    }

    public static boolean isGateway(NixBuild build) {
        Map<String, String> labels = build.getMetadata().getLabels();
        return labels != null && GATEWAY.equals(labels.get(LABEL));
    }
}
