package dev.nixpool.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The login a builder gets is the image's (/bin/sh, a home of the pod's), never the host user's shell and rc files. */
class UserDatabaseTest {

    private static final List<String> HOST_PASSWD = List.of("root:x:0:0:root:/root:/bin/bash",
            "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin", "admin:x:1000:1000:Admin,,,:/home/admin:/usr/bin/zsh");
    private static final List<String> HOST_GROUP = List.of("root:x:0:", "admin:x:1000:");

    private List<String> passwd(Path dir, ContainerIdentity identity) throws Exception {
        Path passwd = Files.write(dir.resolve("host-passwd"), HOST_PASSWD);
        Path group = Files.write(dir.resolve("host-group"), HOST_GROUP);
        List<Path> files = UserDatabase.write(identity, dir.resolve("etc"), Path.of("/pods/b1/home"), passwd, group);
        assertThat(files).containsExactly(dir.resolve("etc/passwd"), dir.resolve("etc/group"));
        return Files.readAllLines(files.get(0));
    }

    @Test
    void rootLogsInWithTheImagesShellInThePodsHomeNotWithTheHostsBashAndRcFiles() throws Exception {
        assertThat(passwd(Files.createDirectories(tmp.resolve("root")), ContainerIdentity.ROOT)).containsExactly(
                "root:x:0:0:root:/pods/b1/home:/bin/sh", "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin",
                "admin:x:1000:1000:Admin,,,:/home/admin:/usr/bin/zsh");
    }

    @Test
    void aHostUserRunningTheContainerGetsTheSameAndAnUnknownUidTheImagesUser() throws Exception {
        assertThat(passwd(Files.createDirectories(tmp.resolve("admin")),
                new ContainerIdentity(1000, 1000, null, List.of(), true, true)))
                .contains("admin:x:1000:1000:Admin,,,:/pods/b1/home:/bin/sh", "root:x:0:0:root:/root:/bin/bash");
        Path dir = Files.createDirectories(tmp.resolve("image"));
        assertThat(passwd(dir, new ContainerIdentity(10001, 10001, 10001L, List.of(), true, true)))
                .endsWith("nixpool:x:10001:10001:nixpool builder:/pods/b1/home:/bin/sh");
        assertThat(Files.readAllLines(dir.resolve("etc/group"))).endsWith("nixpool:x:10001:");
    }

    @TempDir
    Path tmp;
}
