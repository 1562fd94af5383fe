package dev.nixpool.runtime;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

/**
 * What the runtime takes from a builder pod: its one container's literal environment, its {@code ssh} port, the Secret
 * volume with the keys (docs/builder-contract.md) and the directory volumes it mounts ({@code persistentVolumeClaim},
 * {@code emptyDir}). Everything else (image, command, resources, ...) is left alone: there are no images or cgroups
 * here. Scheduling (node selectors, tolerations) is decided before, by {@link NodeFit}.
 */
record BuilderPodSpec(String namespace, String name, String uid, String containerName, String image,
        Map<String, String> env, int sshPort, SecretVolume secretVolume, List<DirectoryVolume> directoryVolumes,
        ContainerIdentity identity) {

    /** Where the builder image keeps its Nix store (docs/builder-contract.md): a volume mounted here holds the store. */
    static final String NIX_DIR = "/nix";

    static final String CONFIG_ERROR = "CreateContainerConfigError";
    static final String UNSUPPORTED = "UnsupportedByBuilderRuntime";

    /**
     * The Secret volume the container mounts.
     *
     * @param items Secret key to file path below the mount; empty means every key of the Secret, as in Kubernetes
     * @param defaultMode the volume's defaultMode; null: Kubernetes' 0644
     * @param itemModes Secret key to the item's own mode, where it has one
     */
    record SecretVolume(String volumeName, String secretName, Map<String, String> items, boolean optional,
            Integer defaultMode, Map<String, Integer> itemModes) {

        SecretVolume(String volumeName, String secretName, Map<String, String> items, boolean optional) {
            this(volumeName, secretName, items, optional, null, Map.of());
        }
    }

    /**
     * A directory volume the container mounts.
     *
     * @param claimName the PersistentVolumeClaim behind it; null for an emptyDir
     * @param memory an emptyDir with {@code medium: Memory} (a tmpfs)
     * @param sizeLimitBytes an emptyDir's {@code sizeLimit}; null when it has none
     */
    record DirectoryVolume(String volumeName, String mountPath, boolean readOnly, String claimName, boolean memory,
            Long sizeLimitBytes) {

        boolean holdsTheStore() {
            return NIX_DIR.equals(mountPath);
        }
    }

    static BuilderPodSpec from(Pod pod) throws PodRejectedException {
        PodSpec spec = pod.getSpec();
        String podName = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        if (spec == null || spec.getContainers() == null || spec.getContainers().size() != 1) {
            int count = spec == null || spec.getContainers() == null ? 0 : spec.getContainers().size();
            throw new PodRejectedException(UNSUPPORTED,
                    "pod " + podName + ": expected exactly one (builder) container, got " + count);
        }
        if (spec.getInitContainers() != null && !spec.getInitContainers().isEmpty()) {
            throw new PodRejectedException(UNSUPPORTED,
                    "pod " + podName + ": init containers are not supported by the builder runtime");
        }
        String restartPolicy = spec.getRestartPolicy();
        if (restartPolicy != null && !restartPolicy.equals("Never")) {
            throw new PodRejectedException(UNSUPPORTED, "pod " + podName
                    + ": expected restartPolicy Never (the builder runtime does not restart containers), got "
                    + restartPolicy);
        }
        Container container = spec.getContainers().get(0);
        return new BuilderPodSpec(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                pod.getMetadata().getUid(), container.getName(), container.getImage(), literalEnv(podName, container),
                sshPort(podName, container), secretVolume(podName, spec, container),
                directoryVolumes(podName, spec, container), ContainerIdentity.from(pod));
    }

    private static Map<String, String> literalEnv(String podName, Container container) throws PodRejectedException {
        Map<String, String> env = new LinkedHashMap<>();
        if (container.getEnvFrom() != null && !container.getEnvFrom().isEmpty()) {
            throw new PodRejectedException(CONFIG_ERROR, "pod " + podName + ", container " + container.getName()
                    + ": envFrom is not supported by the builder runtime, only literal env values");
        }
        for (EnvVar variable : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
            if (variable.getValueFrom() != null) {
                throw new PodRejectedException(CONFIG_ERROR,
                        "pod " + podName + ", container " + container.getName() + ": env " + variable.getName()
                                + " uses valueFrom, which the builder runtime does not support; expected a literal value");
            }
            // later duplicates win, as in Kubernetes
            env.put(variable.getName(), Optional.ofNullable(variable.getValue()).orElse(""));
        }
        return env;
    }

    private static int sshPort(String podName, Container container) throws PodRejectedException {
        for (ContainerPort port : Optional.ofNullable(container.getPorts()).orElse(List.of())) {
            if ("ssh".equals(port.getName()) && port.getContainerPort() != null) {
                return port.getContainerPort();
            }
        }
        throw new PodRejectedException(CONFIG_ERROR, "pod " + podName + ", container " + container.getName()
                + ": expected a container port named ssh (docs/builder-contract.md), found none");
    }

    private static SecretVolume secretVolume(String podName, PodSpec spec, Container container)
            throws PodRejectedException {
        List<SecretVolume> mounted = new java.util.ArrayList<>();
        for (VolumeMount mount : Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
            Volume volume = Optional.ofNullable(spec.getVolumes()).orElse(List.of()).stream()
                    .filter(candidate -> candidate.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new PodRejectedException(CONFIG_ERROR, "pod " + podName + ": volume mount "
                            + mount.getName() + " names no volume of the pod"));
            SecretVolumeSource secret = volume.getSecret();
            if (secret == null) {
                continue;
            }
            Map<String, String> items = new LinkedHashMap<>();
            Map<String, Integer> itemModes = new LinkedHashMap<>();
            if (secret.getItems() != null) {
                for (var item : secret.getItems()) {
                    items.put(item.getKey(), item.getPath());
                    if (item.getMode() != null) {
                        itemModes.put(item.getKey(), item.getMode());
                    }
                }
            }
            mounted.add(new SecretVolume(volume.getName(), secret.getSecretName(), items,
                    Boolean.TRUE.equals(secret.getOptional()), secret.getDefaultMode(), itemModes));
        }
        if (mounted.size() != 1) {
            throw new PodRejectedException(CONFIG_ERROR, "pod " + podName + ", container " + container.getName()
                    + ": expected exactly one mounted Secret volume with the SSH keys, got " + mounted.size());
        }
        return mounted.get(0);
    }

    private static List<DirectoryVolume> directoryVolumes(String podName, PodSpec spec, Container container)
            throws PodRejectedException {
        List<DirectoryVolume> mounted = new java.util.ArrayList<>();
        for (VolumeMount mount : Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
            Volume volume = Optional.ofNullable(spec.getVolumes()).orElse(List.of()).stream()
                    .filter(candidate -> candidate.getName().equals(mount.getName())).findFirst().orElseThrow();
            if (volume.getSecret() != null) {
                continue;
            }
            String where = "pod " + podName + ": volume " + volume.getName();
            if (volume.getPersistentVolumeClaim() == null && volume.getEmptyDir() == null) {
                throw new PodRejectedException(UNSUPPORTED, where + " is neither a Secret, a persistentVolumeClaim nor"
                        + " an emptyDir volume; the builder runtime provides only those");
            }
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()
                    || mount.getSubPathExpr() != null && !mount.getSubPathExpr().isEmpty()) {
                throw new PodRejectedException(UNSUPPORTED, where + " is mounted with a subPath, which the builder"
                        + " runtime does not support");
            }
            String path = Path.of(mount.getMountPath()).normalize().toString();
            if (!mount.getMountPath().startsWith("/") || !path.equals(NIX_DIR) && path.startsWith(NIX_DIR + "/")) {
                throw new PodRejectedException(UNSUPPORTED, where + " is mounted at " + mount.getMountPath()
                        + "; the builder runtime mounts directory volumes at " + NIX_DIR
                        + " (the store) or at an absolute path outside it");
            }
            boolean readOnly = Boolean.TRUE.equals(mount.getReadOnly());
            if (volume.getPersistentVolumeClaim() != null) {
                mounted.add(new DirectoryVolume(volume.getName(), path,
                        readOnly || Boolean.TRUE.equals(volume.getPersistentVolumeClaim().getReadOnly()),
                        volume.getPersistentVolumeClaim().getClaimName(), false, null));
            } else {
                var emptyDir = volume.getEmptyDir();
                Quantity limit = emptyDir.getSizeLimit();
                mounted.add(new DirectoryVolume(volume.getName(), path, readOnly, null,
                        "Memory".equals(emptyDir.getMedium()),
                        limit == null ? null : Quantity.getAmountInBytes(limit).longValue()));
            }
        }
        return List.copyOf(mounted);
    }
}
