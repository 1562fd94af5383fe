package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        SecretVolumeWriter.write(contractVolume(), secret, "builds", dir);

        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("ssh_host_ed25519_key",
                    "ssh_host_ed25519_key.pub", "authorized_keys");
        }
        assertThat(dir.resolve("ssh_host_ed25519_key")).hasContent(keys.host().privateKey());
        assertThat(dir.resolve("authorized_keys")).hasContent(keys.client().publicKey());
        assertThat(Files.getPosixFilePermissions(dir.resolve("ssh_host_ed25519_key")))
                .isEqualTo(PosixFilePermissions.fromString("r--------"));
    }

    @Test
    void withoutItemsWritesEveryKey() throws Exception {
        Path dir = tmp.resolve("all");
        SecretVolumeWriter.write(new SecretVolume("keys", "b1-ssh", Map.of(), false), secret, "builds", dir);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(5);
        }
    }

    @Test
    void missingSecretFailsUnlessOptional() throws Exception {
        assertThatThrownBy(() -> SecretVolumeWriter.write(contractVolume(), null, "builds", tmp.resolve("a")))
                .isInstanceOf(PodRejectedException.class)
                .hasMessage("secret \"b1-ssh\" not found in namespace builds (volume ssh-keys)");
        Path optional = tmp.resolve("b");
        SecretVolumeWriter.write(new SecretVolume("keys", "b1-ssh", Map.of(), true), null, "builds", optional);
        try (Stream<Path> files = Files.list(optional)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void missingKeyIsNamedWithoutShowingAnyContent() {
        Map<String, String> items = new LinkedHashMap<>();
        items.put("ssh_host_rsa_key", "ssh_host_rsa_key");
        assertThatThrownBy(() -> SecretVolumeWriter.write(new SecretVolume("keys", "b1-ssh", items, false), secret,
                "builds", tmp.resolve("c"))).hasMessage("secret \"b1-ssh\" in namespace builds has no key"
                        + " \"ssh_host_rsa_key\" (volume keys selects it); keys present: [authorized_keys,"
                        + " client_ed25519_key, client_ed25519_key.pub, ssh_host_ed25519_key, ssh_host_ed25519_key.pub]");
    }

    @Test
    void itemPathsMayNotLeaveTheMount() {
        assertThatThrownBy(() -> SecretVolumeWriter.write(
                new SecretVolume("keys", "b1-ssh", Map.of("authorized_keys", "../authorized_keys"), false), secret,
                "builds", tmp.resolve("d"))).hasMessage(
                        "Secret item path must be relative and stay inside the mount, got \"../authorized_keys\"");
        assertThat(tmp.resolve("authorized_keys")).doesNotExist();
    }
}
