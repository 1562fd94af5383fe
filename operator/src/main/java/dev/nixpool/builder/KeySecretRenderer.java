package dev.nixpool.builder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import dev.nixpool.Names;
import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;

/**
 * Renders the key Secret of one builder pod (docs/builder-contract.md, "Keys"): the builder's host key pair, pinned by
 * the operator, and the operator's client key pair, the only key the builder accepts. One pair per builder pod, not per
 * build: a reusable builder serves many builds of its pool with the same keys.
 */
public final class KeySecretRenderer {

    private KeySecretRenderer() {
    }

    /** Generates fresh keys: call only when the Secret does not exist yet, keys are never regenerated. */
    public static Secret renderWithNewKeys(BuildMachine pool, String podName, int slot) {
        return render(pool, podName, slot, SshKeyGenerator.generateEd25519("nixpool-host-" + podName),
                SshKeyGenerator.generateEd25519("nixpool-client-" + podName));
    }

    /**
     * Uses {@code data}, not {@code stringData}: only a real API server converts the latter, and the operator reads the
     * keys back later.
     */
    static Secret render(BuildMachine pool, String podName, int slot, OpenSshKeyPair host, OpenSshKeyPair client) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(Names.KEY_HOST_PRIVATE, base64(host.privateKey()));
        data.put(Names.KEY_HOST_PUBLIC, base64(host.publicKey() + "\n"));
        data.put(Names.KEY_AUTHORIZED_KEYS, base64(client.publicKey() + "\n"));
        data.put(Names.KEY_CLIENT_PRIVATE, base64(client.privateKey()));
        data.put(Names.KEY_CLIENT_PUBLIC, base64(client.publicKey() + "\n"));
        return new SecretBuilder()
                .withNewMetadata()
                .withName(Names.keySecretName(podName))
                .withNamespace(pool.getMetadata().getNamespace())
                .withLabels(Names.builderLabels(pool.getMetadata().getName(), slot))
                .withOwnerReferences(BuilderPodRenderer.ownerReference(pool))
                .endMetadata()
                .withType("Opaque")
                .withData(data)
                .build();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
