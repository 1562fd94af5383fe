package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.Secret;

import dev.nixpool.runtime.BuilderPodFixture.BuilderKeys;
import dev.nixpool.runtime.BuilderPodSpec.SecretVolume;

class SecretVolumeWriterTest {

    @TempDir
    Path tmp;

    private final BuilderKeys keys = BuilderKeys.generate();
    private final Secret secret = keys.toSecret("builds", "b1-ssh");

    private static SecretVolume contractVolume() throws Exception {
        return BuilderPodSpec.from(BuilderPodFixture.builderPod("builds", "b1", "b1-ssh", java.util.List.of()))
                .secretVolume();
    }

    @Test
    void writesOnlyTheSelectedKeysIntoAPrivateDirectory() throws Exception {
        Path dir = tmp.resolve("ssh");
        SecretVolumeWriter.write(contractVolume(), secret, "builds", dir, null);

        assertThat(VolumeOwnership.mode(dir)).as("kubelet's Secret directory").isEqualTo(0755);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("ssh_host_ed25519_key",
                    "ssh_host_ed25519_key.pub", "authorized_keys");
        }
        assertThat(dir.resolve("ssh_host_ed25519_key")).hasContent(keys.host().privateKey());
        assertThat(dir.resolve("authorized_keys")).hasContent(keys.client().publicKey());
        assertThat(VolumeOwnership.mode(dir.resolve("ssh_host_ed25519_key"))).as("the fixture's defaultMode 0400")
                .isEqualTo(0400);
        assertThat(Files.getAttribute(dir.resolve("ssh_host_ed25519_key"), "unix:gid")).isEqualTo(0);
    }

    @Test
    void withoutItemsWritesEveryKey() throws Exception {
        Path dir = tmp.resolve("all");
        SecretVolumeWriter.write(new SecretVolume("keys", "b1-ssh", Map.of(), false), secret, "builds", dir, null);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(5);
        }
    }

    @Test
    void missingSecretFailsUnlessOptional() throws Exception {
        assertThatThrownBy(() -> SecretVolumeWriter.write(contractVolume(), null, "builds", tmp.resolve("a"), null))
                .isInstanceOf(PodRejectedException.class)
                .hasMessage("secret \"b1-ssh\" not found in namespace builds (volume ssh-keys)");
        Path optional = tmp.resolve("b");
        SecretVolumeWriter.write(new SecretVolume("keys", "b1-ssh", Map.of(), true), null, "builds", optional, null);
        try (Stream<Path> files = Files.list(optional)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void missingKeyIsNamedWithoutShowingAnyContent() {
        Map<String, String> items = new LinkedHashMap<>();
        items.put("ssh_host_rsa_key", "ssh_host_rsa_key");
        assertThatThrownBy(() -> SecretVolumeWriter.write(new SecretVolume("keys", "b1-ssh", items, false), secret,
                "builds", tmp.resolve("c"), null)).hasMessage("secret \"b1-ssh\" in namespace builds has no key"
                        + " \"ssh_host_rsa_key\" (volume keys selects it); keys present: [authorized_keys,"
                        + " client_ed25519_key, client_ed25519_key.pub, ssh_host_ed25519_key, ssh_host_ed25519_key.pub]");
    }

    @Test
    void itemPathsMayNotLeaveTheMount() {
        assertThatThrownBy(() -> SecretVolumeWriter.write(
                new SecretVolume("keys", "b1-ssh", Map.of("authorized_keys", "../authorized_keys"), false), secret,
                "builds", tmp.resolve("d"), null)).hasMessage(
                        "Secret item path must be relative and stay inside the mount, got \"../authorized_keys\"");
        assertThat(tmp.resolve("authorized_keys")).doesNotExist();
    }

    @Test
    void modesAreTheItemsThenTheDefaultModeThenKubernetesDefault() throws Exception {
        Path dir = tmp.resolve("modes");
        SecretVolume volume = new SecretVolume("keys", "b1-ssh",
                Map.of("ssh_host_ed25519_key", "host", "authorized_keys", "authorized"), false, 0440,
                Map.of("authorized_keys", 0600));
        SecretVolumeWriter.write(volume, secret, "builds", dir, null);
        assertThat(VolumeOwnership.mode(dir.resolve("host"))).isEqualTo(0440);
        assertThat(VolumeOwnership.mode(dir.resolve("authorized"))).isEqualTo(0600);

        Path plain = tmp.resolve("plain");
        SecretVolumeWriter.write(new SecretVolume("keys", "b1-ssh", Map.of("authorized_keys", "a"), false), secret,
                "builds", plain, null);
        assertThat(VolumeOwnership.mode(plain.resolve("a"))).as("SecretVolumeSourceDefaultMode").isEqualTo(0644);
    }

    @Test
    void fsGroupOwnsTheVolumeAndAddsGroupReadAsKubeletDoes() throws Exception {
        Path dir = tmp.resolve("grouped");
        SecretVolumeWriter.write(contractVolume(), secret, "builds", dir, 10001L);
        Path key = dir.resolve("ssh_host_ed25519_key");
        assertThat(VolumeOwnership.mode(key)).as("0400 | 0440").isEqualTo(0440);
        assertThat(Files.getAttribute(key, "unix:gid")).isEqualTo(10001);
        assertThat(Files.getAttribute(key, "unix:uid")).as("Secret files stay root's").isEqualTo(0);
        assertThat(VolumeOwnership.mode(dir)).as("0755 | setgid | 0550").isEqualTo(02755);
        assertThat(Files.getAttribute(dir, "unix:gid")).isEqualTo(10001);
    }
}
