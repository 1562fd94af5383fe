package dev.nixpool.runtime;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One pod's private directory below the runtime's work dir: {@code ssh/} (the Secret volume), {@code state/}
 * ({@code NIXPOOL_STATE_DIR}) and {@code nix/} (bind-mounted over /nix in the pod's mount namespace, so its
 * {@code nix/store} is the pod's store). A marker file tells a later runtime which directories it may delete.
 */
record PodDirectories(Path root) {

    static final String MARKER = ".nixpool-builder-pod";

    static PodDirectories create(Path workDir, String namespace, String name, String uid) throws IOException {
        String suffix = uid == null ? Long.toHexString(System.nanoTime()) : uid.substring(0, Math.min(8, uid.length()));
        Path root = workDir.resolve(namespace + "." + name + "." + suffix);
        Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Files.createFile(root.resolve(MARKER));
        PodDirectories dirs = new PodDirectories(root);
        Files.createDirectory(dirs.state());
        Files.createDirectory(dirs.storeRoot());
        return dirs;
    }

    Path ssh() {
        return root.resolve("ssh");
    }

    Path state() {
        return root.resolve("state");
    }

    /**
     * Hands the directories to the container's user as its image would have them: the pod directory enterable by the
     * container's group (0710; fsGroup when there is one), the state dir and the pod's own /nix owned by the user (the
     * reference image's /run/nixpool and /nix belong to its user), and a home directory.
     */
    void ownBy(ContainerIdentity identity) throws IOException, PodRejectedException {
        Files.createDirectory(home());
        if (identity.isRoot()) {
            return;
        }
        requireEnterable(root.getParent(), identity);
        VolumeOwnership.chown(root, 0, identity.directoryGroup());
        VolumeOwnership.chmod(root, 0710);
        for (Path owned : List.of(state(), storeRoot(), home())) {
            VolumeOwnership.chown(owned, identity.uid(), identity.gid());
        }
        VolumeOwnership.chmod(state(), 0700);
        VolumeOwnership.chmod(home(), 0700);
    }

    /**
     * The container's process reaches its keys and state through host paths, so every directory above the pod's must
     * let others pass (x); the runtime's own work dir does (0711), the ones above it are the caller's.
     */
    private static void requireEnterable(Path dir, ContainerIdentity identity)
            throws IOException, PodRejectedException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if ((VolumeOwnership.mode(p) & 01) == 0) {
                throw new PodRejectedException(BuilderPodSpec.CONFIG_ERROR, "the builder runtime's work dir cannot"
                        + " be entered by uid " + identity.uid() + ": " + p + " has mode 0"
                        + Integer.toOctalString(VolumeOwnership.mode(p)) + "; non-root pods need o+x on every"
                        + " directory above their pod directory");
            }
        }
    }

    /** The container user's home directory. */
    Path home() {
        return root.resolve("home");
    }

    /** Where the container's passwd and group files go (bound over the host's in its mount namespace). */
    Path etc() {
        return root.resolve("etc");
    }

    /** The pod's emptyDir volumes, deleted with the pod. */
    Path emptyDir(String volumeName) {
        return root.resolve("volumes").resolve(volumeName);
    }

    /**
     * Where a PersistentVolumeClaim's data lives: below the work dir, keyed by namespace and claim, outside every pod's
     * directory, so it outlives the pods that mount it (and runtimes restarted on the same work dir).
     */
    static Path claim(Path workDir, String namespace, String claimName) {
        return workDir.resolve("claims").resolve(namespace).resolve(claimName);
    }

    /** What becomes /nix for the pod unless a volume is mounted there; the store itself is {@code storeRoot()/store}. */
    Path storeRoot() {
        return root.resolve("nix");
    }

    void delete() throws IOException {
        deleteTree(root);
    }

    /** Pod directories a killed runtime left behind; only directories carrying the marker. */
    static List<Path> leftovers(Path workDir) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(workDir)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (Files.isDirectory(entry) && Files.exists(entry.resolve(MARKER))) {
                    found.add(entry);
                }
            }
        }
        return found;
    }

    /** Store paths are read-only; root deletes them anyway. Symbolic links are removed, never followed. */
    static void deleteTree(Path top) throws IOException {
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    if (failure != null) {
                        throw failure;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException alreadyGone) {
            // deleting twice is fine: cleanup runs from several paths (exit, delete, close)
        }
    }
}
