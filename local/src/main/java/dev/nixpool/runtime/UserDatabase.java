package dev.nixpool.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The container's /etc/passwd and /etc/group when its uid has no entry on this machine. There is no image here, but
 * sshd only logs in users it finds in passwd, and the reference image's user is {@value #USER} (uid and gid 10001): a
 * non-root pod gets the host's files plus {@value #USER} with its uid and gid, its home a directory of the pod, bound
 * read-only over /etc/passwd and /etc/group in the pod's mount namespace only.
 */
final class UserDatabase {

    static final String USER = "nixpool";

    private UserDatabase() {
    }

    /** @return the files to bind over /etc/passwd and /etc/group, empty when the host already knows the uid */
    static Optional<List<Path>> write(ContainerIdentity identity, Path dir, Path home, Path hostPasswd,
            Path hostGroup) throws IOException {
        List<String> passwd = Files.readAllLines(hostPasswd);
        if (identity.isRoot() || passwd.stream().anyMatch(line -> hasId(line, 2, identity.uid()))) {
            return Optional.empty();
        }
        List<String> group = Files.readAllLines(hostGroup);
        Files.createDirectories(dir);
        Path passwdFile = dir.resolve("passwd");
        Path groupFile = dir.resolve("group");
        passwd = new java.util.ArrayList<>(passwd);
        passwd.add(USER + ":x:" + identity.uid() + ":" + identity.gid() + ":nixpool builder:" + home + ":/bin/sh");
        group = new java.util.ArrayList<>(group);
        if (group.stream().noneMatch(line -> hasId(line, 2, identity.gid()))) {
            group.add(USER + ":x:" + identity.gid() + ":");
        }
        Files.write(passwdFile, passwd);
        Files.write(groupFile, group);
        VolumeOwnership.chmod(passwdFile, 0644);
        VolumeOwnership.chmod(groupFile, 0644);
        return Optional.of(List.of(passwdFile, groupFile));
    }

    private static boolean hasId(String line, int field, long id) {
        String[] fields = line.split(":", -1);
        return fields.length > field && fields[field].equals(String.valueOf(id));
    }
}
