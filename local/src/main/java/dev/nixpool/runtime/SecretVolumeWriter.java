package dev.nixpool.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.Secret;

import dev.nixpool.runtime.BuilderPodSpec.SecretVolume;

/**
 * Materialises a Secret volume the way the kubelet mounts one: only the selected keys, owned by root, each file with
 * its item's {@code mode}, else the volume's {@code defaultMode}, else 0644; the directory 0755. With an
 * {@code fsGroup}, kubelet's volume ownership rules follow ({@link VolumeOwnership}): group fsGroup, group read added
 * (a 0400 file becomes 0440), the directory setgid. Key contents never appear in messages.
 */
final class SecretVolumeWriter {

    private SecretVolumeWriter() {
    }

    /** Kubernetes' SecretVolumeSourceDefaultMode. */
    static final int DEFAULT_MODE = 0644;
    private static final int DIRECTORY_MODE = 0755;

    /**
     * @param secret null when the Secret does not exist
     * @param fsGroup the pod's fsGroup; null when it has none
     */
    static void write(SecretVolume volume, Secret secret, String namespace, Path dir, Long fsGroup)
            throws PodRejectedException, IOException {
        writeFiles(volume, secret, namespace, dir);
        if (fsGroup != null) {
            VolumeOwnership.applyFsGroup(dir, fsGroup, true);
        }
    }

    private static void writeFiles(SecretVolume volume, Secret secret, String namespace, Path dir)
            throws PodRejectedException, IOException {
        Files.createDirectories(dir);
        VolumeOwnership.chmod(dir, DIRECTORY_MODE);
        if (secret == null) {
            if (volume.optional()) {
                return;
            }
            throw new PodRejectedException(BuilderPodSpec.CONFIG_ERROR, "secret \"" + volume.secretName()
                    + "\" not found in namespace " + namespace + " (volume " + volume.volumeName() + ")");
        }
        Map<String, byte[]> contents = contents(secret);
        Map<String, String> selected = volume.items().isEmpty() ? identity(contents.keySet()) : volume.items();
        for (Map.Entry<String, String> item : selected.entrySet()) {
            byte[] value = contents.get(item.getKey());
            if (value == null) {
                throw new PodRejectedException(BuilderPodSpec.CONFIG_ERROR,
                        "secret \"" + volume.secretName() + "\" in namespace " + namespace + " has no key \""
                                + item.getKey() + "\" (volume " + volume.volumeName() + " selects it); keys present: "
                                + new TreeSet<>(contents.keySet()));
            }
            Integer mode = volume.itemModes().getOrDefault(item.getKey(), volume.defaultMode());
            writeFile(dir, item.getValue(), value, mode == null ? DEFAULT_MODE : mode);
        }
    }

    private static void writeFile(Path dir, String relativePath, byte[] value, int mode)
            throws PodRejectedException, IOException {
        Path file = dir.resolve(relativePath).normalize();
        if (relativePath.isEmpty() || Path.of(relativePath).isAbsolute() || !file.startsWith(dir)
                || file.equals(dir)) {
            throw new PodRejectedException(BuilderPodSpec.CONFIG_ERROR,
                    "Secret item path must be relative and stay inside the mount, got \"" + relativePath + "\"");
        }
        Files.createDirectories(file.getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, value);
        VolumeOwnership.chmod(file, mode);
    }

    /** {@code data} is base64 as stored by an API server; {@code stringData} only shows up when a mock keeps it as sent. */
    private static Map<String, byte[]> contents(Secret secret) {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((key, value) -> contents.put(key, value.getBytes(StandardCharsets.UTF_8)));
        }
        if (secret.getData() != null) {
            secret.getData().forEach((key, value) -> contents.put(key, Base64.getDecoder().decode(value)));
        }
        return contents;
    }

    private static Map<String, String> identity(Set<String> keys) {
        Map<String, String> items = new LinkedHashMap<>();
        keys.forEach(key -> items.put(key, key));
        return items;
    }
}
