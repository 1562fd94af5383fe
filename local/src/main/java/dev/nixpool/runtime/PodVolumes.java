package dev.nixpool.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.nixpool.runtime.BuilderPodSpec.DirectoryVolume;
import dev.nixpool.runtime.BuilderProcess.Mount;

/**
 * Turns a pod's directory volumes into directories and mounts of its mount namespace, as a kubelet sets up volumes
 * before it starts the container: a {@code persistentVolumeClaim} is a directory keyed by namespace and claim that
 * outlives the pod; an {@code emptyDir} a directory of the pod (deleted with it), or a tmpfs for {@code medium: Memory}
 * (its {@code sizeLimit} the tmpfs size). A volume at /nix holds the store instead of the pod's own directory.
 *
 * @param mounts in the order to apply: the store at /nix first
 * @param storeRoot the host directory that is /nix for the pod; null when /nix is a tmpfs
 */
record PodVolumes(List<Mount> mounts, Path storeRoot) {

    /** kubelet creates emptyDir directories world-writable; a freshly provisioned claim is taken to be the same. */
    private static final int VOLUME_MODE = 0777;
    private static final Path HOST_SSHRC = Path.of("/etc/ssh/sshrc");

    static PodVolumes prepare(BuilderPodSpec spec, PodDirectories dirs, Path workDir)
            throws IOException, PodRejectedException {
        Long fsGroup = spec.identity().fsGroup();
        Mount store = Mount.bind(dirs.storeRoot(), BuilderPodSpec.NIX_DIR, false);
        Path storeRoot = dirs.storeRoot();
        List<Mount> others = new ArrayList<>();
        for (DirectoryVolume volume : spec.directoryVolumes()) {
            Mount mount;
            Path source = null;
            if (volume.memory()) {
                mount = Mount.tmpfs(tmpfsOptions(volume, fsGroup), volume.mountPath());
            } else {
                source = volume.claimName() != null
                        ? claimDirectory(workDir, spec.namespace(), volume.claimName())
                        : dirs.emptyDir(volume.volumeName());
                if (!Files.isDirectory(source)) {
                    Files.createDirectories(source);
                    VolumeOwnership.chmod(source, VOLUME_MODE);
                }
                if (fsGroup != null) {
                    VolumeOwnership.applyFsGroup(source, fsGroup, volume.readOnly());
                }
                mount = Mount.bind(source, volume.mountPath(), volume.readOnly());
            }
            if (volume.holdsTheStore()) {
                store = mount;
                storeRoot = source;
            } else if (!Files.isDirectory(Path.of(volume.mountPath()))) {
                throw new PodRejectedException(BuilderPodSpec.CONFIG_ERROR, "pod " + spec.namespace() + "/"
                        + spec.name() + ": volume " + volume.volumeName() + " is mounted at " + volume.mountPath()
                        + ", which is no directory on this machine; the builder runtime shares the host's file system"
                        + " and mounts volumes only over existing directories (or at /nix)");
            } else {
                others.add(mount);
            }
        }
        List<Mount> mounts = new ArrayList<>();
        mounts.add(store);
        mounts.addAll(others);
        var users = UserDatabase.write(spec.identity(), dirs.etc(), dirs.home(), Path.of("/etc/passwd"),
                Path.of("/etc/group"));
        mounts.add(Mount.bind(users.get(0), "/etc/passwd", true));
        mounts.add(Mount.bind(users.get(1), "/etc/group", true));
        if (Files.exists(HOST_SSHRC)) {
            // sshd runs the machine-wide login script for every session; the image has none
            Path empty = dirs.etc().resolve("sshrc");
            Files.write(empty, new byte[0]);
            VolumeOwnership.chmod(empty, 0644);
            mounts.add(Mount.bind(empty, HOST_SSHRC.toString(), true));
        }
        return new PodVolumes(List.copyOf(mounts), storeRoot);
    }

    private static String tmpfsOptions(DirectoryVolume volume, Long fsGroup) {
        String options = "mode=" + (fsGroup == null ? "0777" : "2777,gid=" + fsGroup);
        return volume.sizeLimitBytes() == null ? options : "size=" + volume.sizeLimitBytes() + "," + options;
    }

    /** The API server validates claim names as DNS subdomains; the mock does not, so no name may leave the dir. */
    private static Path claimDirectory(Path workDir, String namespace, String claimName) throws PodRejectedException {
        if (claimName == null || !claimName.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            throw new PodRejectedException(BuilderPodSpec.CONFIG_ERROR,
                    "persistentVolumeClaim name '" + claimName + "' is not a DNS subdomain name");
        }
        return PodDirectories.claim(workDir, namespace, claimName);
    }
}
