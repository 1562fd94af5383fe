package dev.nixpool.gatewayops;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;

/**
 * The gateway's host key, in a Secret generated once: the first operator to start creates it, every later start (and
 * every replica) reads it, so the key clients pin never changes. Its text is never logged.
 */
final class GatewayHostKey {

    static final String PRIVATE = "ssh_host_ed25519_key";
    static final String PUBLIC = "ssh_host_ed25519_key.pub";

    private GatewayHostKey() {
    }

    static OpenSshKeyPair loadOrCreate(KubernetesClient client, String namespace, String name) {
        Secret existing = client.secrets().inNamespace(namespace).withName(name).get();
        if (existing != null) {
            return read(existing, namespace, name);
        }
        OpenSshKeyPair fresh = SshKeyGenerator.generateEd25519("nixpool-gateway");
        Secret secret = new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("app.kubernetes.io/name", "nixpool").addToLabels("app.kubernetes.io/component", "gateway")
                .endMetadata()
                .withType("Opaque")
                .withData(Map.of(PRIVATE, base64(fresh.privateKey()), PUBLIC, base64(fresh.publicKey())))
                .build();
        try {
            client.resource(secret).create();
            return fresh;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // another replica created it first: use theirs
            return read(client.secrets().inNamespace(namespace).withName(name).get(), namespace, name);
        }
    }

    private static OpenSshKeyPair read(Secret secret, String namespace, String name) {
        Map<String, String> data = secret.getData();
        if (data == null || !data.containsKey(PRIVATE) || !data.containsKey(PUBLIC)) {
            throw new IllegalStateException("Secret " + namespace + "/" + name + " lacks " + PRIVATE + " or " + PUBLIC
                    + "; delete it to have the gateway generate a new host key (clients must pin the new one)");
        }
        return new OpenSshKeyPair(decode(data.get(PRIVATE)), decode(data.get(PUBLIC)).strip());
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }
}
