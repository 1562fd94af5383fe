package dev.nixpool.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory {@code nixpool local} picks: one sshd's StrictModes accepts. JUnit's temporary directories are
 * below /tmp, which is world-writable: they stand for a clone under /tmp. Directories that do not exist yet are passed
 * over, so /usr/local/... and /var/lib/... (root's, 755 on any Debian) stand for a safe place without being created.
 */
class StateDirectoryTest {

    private static final Path SYSTEM_BASE = Path.of("/var/lib/nixpool-state-directory-test");

    @Test
    void aRepositoryInASafePlaceKeepsItsRunsInItsOwnDotNixpool() throws Exception {
        Path repo = Path.of("/usr/local/src/nixpool-clone");
        StateDirectory state = StateDirectory.choose(null, repo, SYSTEM_BASE);
        assertThat(state.dir()).isEqualTo(repo.resolve(".nixpool"));
        assertThat(state.note()).isEmpty();
    }

    @Test
    void aCloneBelowTmpGetsADirectoryOfItsOwnUnderVarLibAndSaysWhy(@TempDir Path clone) throws Exception {
        StateDirectory state = StateDirectory.choose(null, clone, SYSTEM_BASE);
        assertThat(state.dir()).isEqualTo(SYSTEM_BASE.resolve(StateDirectory.hashOf(clone)));
        assertThat(state.note()).hasValueSatisfying(note -> assertThat(note)
                .contains(clone.resolve(".nixpool").toString(), "/tmp, which others may write to", "StrictModes"));
        assertThat(StateDirectory.unsafeAncestor(state.dir())).isEmpty();
    }

    @Test
    void eachRepositoryPathHasItsOwnStableName() {
        assertThat(StateDirectory.hashOf(Path.of("/tmp/a"))).isEqualTo(StateDirectory.hashOf(Path.of("/tmp/a")))
                .isNotEqualTo(StateDirectory.hashOf(Path.of("/tmp/b")))
                .matches("[0-9a-f]{16}");
    }

    @Test
    void anExplicitStateDirIsHonouredOrRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Path chosen = Path.of("/var/lib/somewhere/else");
        StateDirectory state = StateDirectory.choose(chosen, Path.of("/usr/local/src/nixpool-clone"), SYSTEM_BASE);
        assertThat(state.dir()).isEqualTo(chosen);
        assertThat(state.note()).isEmpty();

        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatThrownBy(() -> StateDirectory.choose(shared.resolve("state"), Path.of("/usr/local/src/x"),
                SYSTEM_BASE))
                .isInstanceOf(StateDirectory.UnusableStateDirectory.class)
                .hasMessageContaining("the state directory " + shared.resolve("state") + " is below " + shared
                        + ", which others may write to")
                .hasMessageContaining("StrictModes")
                .hasMessageContaining("--state-dir");
    }

    @Test
    void whenNeitherDefaultIsSafeBothAreNamed(@TempDir Path dir) throws Exception {
        Path clone = Files.createDirectory(dir.resolve("clone"));
        assertThatThrownBy(() -> StateDirectory.choose(null, clone, dir.resolve("base")))
                .isInstanceOf(StateDirectory.UnusableStateDirectory.class)
                .hasMessageContaining(dir.resolve("base").toString())
                .hasMessageContaining(clone.resolve(".nixpool").toString())
                .hasMessageContaining("--state-dir");
    }

    @Test
    void theFirstAncestorSshdWouldRefuseIsNamed(@TempDir Path dir) throws Exception {
        Path safe = Files.createDirectory(dir.resolve("safe"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
        Path foreign = Files.createDirectory(dir.resolve("foreign"));
        Files.setAttribute(foreign, "unix:uid", 65534);

        // the temp dir's own ancestors (/tmp) are world-writable: what matters is that safe and dir are passed over
        assertThat(StateDirectory.unsafeAncestor(safe.resolve("not-yet/.nixpool")))
                .hasValueSatisfying(found -> assertThat(dir.getParent().toString()).startsWith(found.split(",")[0]));
        assertThat(StateDirectory.unsafeAncestor(shared.resolve(".nixpool")))
                .contains(shared + ", which others may write to");
        assertThat(StateDirectory.unsafeAncestor(foreign.resolve(".nixpool")))
                .contains(foreign + ", which belongs to uid 65534 (neither root nor this user)");
        assertThat(StateDirectory.unsafeAncestor(Path.of("/tmp/.nixpool"))).contains("/tmp, which others may write to");
        assertThat(StateDirectory.unsafeAncestor(Path.of("/var/lib/nixpool/x"))).isEmpty();
    }
}
