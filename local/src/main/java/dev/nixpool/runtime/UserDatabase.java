package dev.nixpool.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The container's /etc/passwd and /etc/group, bound read-only over the host's in the pod's mount namespace only. sshd
 * logs a user in with the shell and home directory passwd gives it, and on a host those are the host user's: root's
 * bash, which reads root's rc files (a shell hook there waiting on a stale lock once made every builder handshake time
 * out). The builder image gives its user {@value #SHELL}, which reads no rc files for a command, and a home of its
 * own; here the container's uid gets the same: its host entry (root's too) with {@value #SHELL} and the pod's home
 * directory, or, when the host does not know the uid, the reference image's user {@value #USER} (uid and gid 10001).
 * The other entries stay, as sshd needs its privilege-separation user.
 */
final class UserDatabase {

    static final String USER = "nixpool";
    static final String SHELL = "/bin/sh";

    private UserDatabase() {
    }

    /** @return the files to bind over /etc/passwd and /etc/group */
    static List<Path> write(ContainerIdentity identity, Path dir, Path home, Path hostPasswd, Path hostGroup)
            throws IOException {
        List<String> passwd = new ArrayList<>();
        boolean known = false;
        for (String line : Files.readAllLines(hostPasswd)) {
            String[] fields = line.split(":", -1);
            if (fields.length >= 7 && fields[2].equals(String.valueOf(identity.uid()))) {
                passwd.add(String.join(":", fields[0], fields[1], fields[2], String.valueOf(identity.gid()),
                        fields[4], home.toString(), SHELL));
                known = true;
            } else {
                passwd.add(line);
            }
        }
        if (!known) {
            passwd.add(USER + ":x:" + identity.uid() + ":" + identity.gid() + ":nixpool builder:" + home + ":" + SHELL);
        }
        List<String> group = new ArrayList<>(Files.readAllLines(hostGroup));
        if (group.stream().noneMatch(line -> hasId(line, 2, identity.gid()))) {
            group.add(USER + ":x:" + identity.gid() + ":");
        }
        Files.createDirectories(dir);
        Path passwdFile = dir.resolve("passwd");
        Path groupFile = dir.resolve("group");
        Files.write(passwdFile, passwd);
        Files.write(groupFile, group);
        VolumeOwnership.chmod(passwdFile, 0644);
        VolumeOwnership.chmod(groupFile, 0644);
        return List.of(passwdFile, groupFile);
    }

    private static boolean hasId(String line, int field, long id) {
        String[] fields = line.split(":", -1);
        return fields.length > field && fields[field].equals(String.valueOf(id));
    }
}
