package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.StorePath;

/**
 * Nix's serve protocol through MINA to a real sshd running the real {@code nix-store --serve --write}, on a builder
 * with its own store; also proves what the fixture promises (isolated store, offline nix.conf).
 */
class ServeOverSshIT extends LoopbackSshTestBase {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    private static SshSession connect() throws SshTransportException {
        return connect(SshTimeouts.defaults());
    }

    @Test
    void serveHandshakeOverSshAnswersVersion2_7() throws IOException {
        List<String> stderr = new CopyOnWriteArrayList<>();
        try (SshSession session = connect();
                RemoteProcess nix = session.exec(ServeProtocol.REMOTE_COMMAND, stderr::add)) {
            ServeClient client = new ServeClient(nix.stdout(), nix.stdin());
            int version = client.handshake();
            assertThat(version).as("stderr: %s", stderr).isEqualTo(0x207);
            assertThat(ServeProtocol.format(version)).isEqualTo("2.7");
            nix.stdin().close();
            assertThat(nix.waitFor(LIMIT)).as("stderr: %s", stderr).isZero();
        }
    }

    @Test
    void loginsUseTheFixturesOfflineNixConf() throws IOException {
        List<String> stderr = new CopyOnWriteArrayList<>();
        try (SshSession session = connect();
                RemoteProcess p = session.exec("echo \"$NIX_CONF_DIR\"; nix show-config", stderr::add)) {
            String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(LIMIT)).as("stderr: %s", stderr).isZero();
            assertThat(out).startsWith(sshd.store().confDir() + "\n")
                    .containsPattern("(?m)^substituters = $")
                    .containsPattern("(?m)^build-users-group = $")
                    .containsPattern("(?m)^sandbox = false$");
        }
    }

    @Test
    void whatTheBuilderAddsLandsInItsOwnStoreOnly() throws Exception {
        Path file = Files.writeString(sshd.store().workDir().resolve("isolation.txt"),
                "isolated " + System.nanoTime() + "\n");
        List<String> stderr = new CopyOnWriteArrayList<>();
        String storePath;
        try (SshSession session = connect();
                RemoteProcess p = session.exec("nix-store --add " + file, stderr::add)) {
            storePath = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(p.waitFor(LIMIT)).as("stderr: %s", stderr).isZero();
        }
        assertThat(storePath).startsWith("/nix/store/");
        assertThat(sshd.store().realPath(StorePath.parse(storePath))).exists();
        assertThat(Path.of(storePath)).doesNotExist();
        assertThat(sshd.store().runOk("nix-store", "--check-validity", "--print-invalid", storePath)).isEmpty();
    }
}
