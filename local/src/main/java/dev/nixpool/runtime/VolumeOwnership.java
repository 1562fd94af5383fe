package dev.nixpool.runtime;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * File owners and modes as a kubelet sets them, through the JDK's {@code unix:} attributes (which, unlike POSIX
 * permissions, carry the setgid bit). {@link #applyFsGroup} is kubelet's SetVolumeOwnership
 * (pkg/volume/volume_linux.go): every file and directory of the volume gets group fsGroup and the group bits of
 * {@code rw-} ({@code r--} for a read-only volume such as a Secret); directories also get {@code x} for owner and group
 * and setgid, so what is created in them later belongs to fsGroup too. Symbolic links only change group.
 */
final class VolumeOwnership {

    private static final int RW_MASK = 0660;
    private static final int RO_MASK = 0440;
    private static final int EXEC_MASK = 0110;
    private static final int SETGID = 02000;

    private VolumeOwnership() {
    }

    static void applyFsGroup(Path volume, long fsGroup, boolean readOnly) throws IOException {
        Files.walkFileTree(volume, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                change(dir, attributes, fsGroup, readOnly);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                change(file, attributes, fsGroup, readOnly);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void change(Path path, BasicFileAttributes attributes, long fsGroup, boolean readOnly)
            throws IOException {
        Files.setAttribute(path, "unix:gid", (int) fsGroup, LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink()) {
            return;
        }
        int mask = readOnly ? RO_MASK : RW_MASK;
        if (attributes.isDirectory()) {
            mask |= SETGID | EXEC_MASK;
        }
        chmod(path, mode(path) | mask);
    }

    static void chown(Path path, long uid, long gid) throws IOException {
        Files.setAttribute(path, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
    }

    static void chmod(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode);
    }

    /** The permission bits with setuid, setgid and sticky. */
    static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
