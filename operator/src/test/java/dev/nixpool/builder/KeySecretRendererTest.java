package dev.nixpool.builder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Secret;

import dev.nixpool.Names;

class KeySecretRendererTest {

    @Test
    void holdsFreshHostAndClientKeysAsTheContractNamesThem() {
        Secret secret = KeySecretRenderer.renderWithNewKeys(BuilderPodRendererTest.pool(List.of()), "kvm-pool-1-abcde",
                1);

        assertThat(secret.getMetadata().getName()).isEqualTo("kvm-pool-1-abcde-ssh");
        assertThat(secret.getMetadata().getNamespace()).isEqualTo("team");
        assertThat(secret.getType()).isEqualTo("Opaque");
        assertThat(secret.getStringData()).isNullOrEmpty();
        assertThat(secret.getMetadata().getLabels()).containsEntry(Names.LABEL_SLOT, "1")
                .containsEntry(Names.LABEL_MACHINE, "kvm-pool");
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getUid()).isEqualTo("pool-uid"));
        assertThat(secret.getData()).containsOnlyKeys(Names.KEY_HOST_PRIVATE, Names.KEY_HOST_PUBLIC,
                Names.KEY_AUTHORIZED_KEYS, Names.KEY_CLIENT_PRIVATE, Names.KEY_CLIENT_PUBLIC);

        assertThat(decode(secret, Names.KEY_HOST_PRIVATE)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        assertThat(decode(secret, Names.KEY_CLIENT_PRIVATE)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----")
                .isNotEqualTo(decode(secret, Names.KEY_HOST_PRIVATE));
        assertThat(decode(secret, Names.KEY_HOST_PUBLIC)).startsWith("ssh-ed25519 ").endsWith("\n")
                .isNotEqualTo(decode(secret, Names.KEY_CLIENT_PUBLIC));
        assertThat(decode(secret, Names.KEY_AUTHORIZED_KEYS)).isEqualTo(decode(secret, Names.KEY_CLIENT_PUBLIC));
    }

    @Test
    void everySecretGetsItsOwnKeys() {
        Secret one = KeySecretRenderer.renderWithNewKeys(BuilderPodRendererTest.pool(List.of()), "a", 1);
        Secret two = KeySecretRenderer.renderWithNewKeys(BuilderPodRendererTest.pool(List.of()), "a", 1);
        assertThat(one.getData().get(Names.KEY_HOST_PRIVATE)).isNotEqualTo(two.getData().get(Names.KEY_HOST_PRIVATE));
    }

    private static String decode(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
}
