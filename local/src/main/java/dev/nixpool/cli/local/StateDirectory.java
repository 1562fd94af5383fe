package dev.nixpool.cli.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

import com.sun.security.auth.module.UnixSystem;

/**
 * Where {@code nixpool local} creates its runs. The builders' sshd reads its host key and authorized_keys there, so the
 * directory must pass what sshd's StrictModes checks (the builders' sshd runs without it, so that the tests' work
 * directories work from any clone): every directory from it up to / owned by root or by the user logging in (the user
 * running local mode) and writable by no one else, so that no other user can replace the keys. A clone under /tmp fails
 * that, so the default is the repository's {@code .nixpool/} only when it passes, and otherwise a directory of this
 * repository's own under {@code /var/lib/nixpool}.
 *
 * @param dir the state directory, absolute
 * @param note why it is not the repository's {@code .nixpool/}, empty when it is or when the user chose it
 */
record StateDirectory(Path dir, Optional<String> note) {

    /** Where a repository whose own {@code .nixpool/} would be refused keeps its runs. */
    static final Path SYSTEM_BASE = Path.of("/var/lib/nixpool");

    /** The user's {@code --state-dir}, or the default for the repository; fails when sshd would refuse it. */
    static StateDirectory choose(Path explicit, Path repo, Path systemBase) throws UnusableStateDirectory {
        if (explicit != null) {
            Path dir = explicit.toAbsolutePath().normalize();
            refuseIfUnsafe(dir, " Choose another with --state-dir, or leave it out for the default");
            return new StateDirectory(dir, Optional.empty());
        }
        Path inRepo = repo.toAbsolutePath().normalize().resolve(".nixpool");
        Optional<String> repoProblem = unsafeAncestor(inRepo);
        if (repoProblem.isEmpty()) {
            return new StateDirectory(inRepo, Optional.empty());
        }
        Path dir = systemBase.resolve(hashOf(repo.toAbsolutePath().normalize()));
        refuseIfUnsafe(dir, " The repository's " + inRepo + " is no better (below " + repoProblem.get()
                + "). Choose a state directory with --state-dir");
        return new StateDirectory(dir, Optional.of("the repository's " + inRepo + " is below " + repoProblem.get()
                + "; other users could replace the builders' keys there, which sshd's StrictModes refuses"));
    }

    private static void refuseIfUnsafe(Path dir, String advice) throws UnusableStateDirectory {
        Optional<String> problem = unsafeAncestor(dir);
        if (problem.isPresent()) {
            throw new UnusableStateDirectory("the state directory " + dir + " is below " + problem.get()
                    + "; other users could replace the builders' keys there, which sshd's StrictModes refuses."
                    + advice);
        }
    }

    /**
     * The first existing directory from {@code dir} up to / that sshd's StrictModes refuses, said as "DIR, which ...":
     * writable by its group or by others, or owned by someone other than root and this user.
     */
    static Optional<String> unsafeAncestor(Path dir) {
        long self = new UnixSystem().getUid();
        for (Path p = dir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (!Files.isDirectory(p)) {
                continue;
            }
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
                if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                        || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                    return Optional.of(p + ", which others may write to");
                }
                int owner = (Integer) Files.getAttribute(p, "unix:uid");
                if (owner != 0 && owner != self) {
                    return Optional.of(p + ", which belongs to uid " + owner + " (neither root nor this user)");
                }
            } catch (IOException e) {
                return Optional.of(p + ", whose permissions cannot be read (" + e.getMessage() + ")");
            }
        }
        return Optional.empty();
    }

    /** A short, stable name per repository path: two clones never share runs, one clone always finds its own. */
    static String hashOf(Path repo) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(repo.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A state directory sshd would refuse; the message says which ancestor and what to do. */
    static final class UnusableStateDirectory extends Exception {

        UnusableStateDirectory(String message) {
            super(message);
        }
    }
}
