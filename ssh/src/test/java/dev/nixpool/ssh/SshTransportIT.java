package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.Test;

import dev.nixpool.testing.SilentTcpServer;

/** The transport against a real OpenSSH sshd on loopback. */
class SshTransportIT extends LoopbackSshTestBase {

    private static final SshTimeouts FAST = new SshTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5),
            Duration.ofSeconds(5), Duration.ofSeconds(15), 3);

    @Test
    void execKeepsStdoutAndStderrApartAndReportsTheExitStatus() throws IOException {
        List<String> stderr = new CopyOnWriteArrayList<>();
        try (SshSession session = connect(FAST);
                RemoteProcess p = session.exec("echo out1; echo err1 >&2; echo out2; printf 'err2' >&2; exit 3",
                        stderr::add)) {
            String stdout = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(Duration.ofSeconds(10))).isEqualTo(3);
            p.close();
            assertThat(stdout).isEqualTo("out1\nout2\n");
            assertThat(stderr).containsExactly("err1", "err2");
        }
    }

    @Test
    void stdinReachesTheCommandAndEofEndsIt() throws IOException {
        try (SshSession session = connect(FAST); RemoteProcess p = session.exec("tr a-z A-Z", line -> {
        })) {
            OutputStream in = p.stdin();
            in.write("hello nix\n".getBytes(StandardCharsets.UTF_8));
            in.close();
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("HELLO NIX\n");
            assertThat(p.waitFor(Duration.ofSeconds(10))).isZero();
        }
    }

    @Test
    void pinnedHostKeyIsAcceptedInLineAndBase64Form() throws IOException {
        String base64 = HostKeys.toBase64Line(HostKeys.parse(sshd.hostKey().publicKey()));
        try (SshSession session = connector.connect(sshd.target(), sshd.clientKey().privateKey(), base64, FAST)) {
            assertThat(HostKeys.fingerprint(session.hostKey()))
                    .isEqualTo(HostKeys.fingerprint(HostKeys.parse(sshd.hostKey().publicKey())));
            assertThat(session.serverVersion()).startsWith("SSH-2.0-OpenSSH");
            assertThat(session.isOpen()).isTrue();
        }
    }

    @Test
    void anotherHostKeyIsRefusedWithBothFingerprints() throws SshTransportException {
        OpenSshKeyPair other = SshKeyGenerator.generateEd25519("impostor");
        String expected = HostKeys.fingerprint(HostKeys.parse(other.publicKey()));
        String presented = HostKeys.fingerprint(HostKeys.parse(sshd.hostKey().publicKey()));
        assertThatThrownBy(() -> connector.connect(sshd.target(), sshd.clientKey().privateKey(), other.publicKey(),
                FAST)).isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.HOST_KEY_MISMATCH);
                    assertThat(e.getMessage()).contains("host key mismatch", sshd.target().toString(),
                            "expected " + expected, "presented " + presented)
                            .doesNotContain("PRIVATE KEY");
                });
    }

    @Test
    void aPinOfATypeTheServerDoesNotHaveIsAMismatch() throws Exception {
        PublicKey rsa = KeyUtils.generateKeyPair(KeyPairProvider.SSH_RSA, 2048).getPublic();
        assertThatThrownBy(() -> connector.connect(sshd.target(), sshd.clientKey().privateKey(),
                HostKeys.toLine(rsa), FAST)).isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.HOST_KEY_MISMATCH);
                    assertThat(e.getMessage()).contains("has no host key of the pinned type",
                            "expected " + HostKeys.fingerprint(rsa) + " (ssh-rsa)", "server: ssh-ed25519");
                });
    }

    @Test
    void anUnauthorizedClientKeyIsRefused() throws SshTransportException {
        OpenSshKeyPair stranger = SshKeyGenerator.generateEd25519("stranger");
        String fingerprint = HostKeys.fingerprint(HostKeys.parse(stranger.publicKey()));
        assertThatThrownBy(() -> connector.connect(sshd.target(), stranger.privateKey(), sshd.hostKey().publicKey(),
                FAST)).isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.AUTH_REFUSED);
                    assertThat(e.getMessage()).contains("refused the client key " + fingerprint, "authorized_keys")
                            .doesNotContain("PRIVATE KEY");
                });
    }

    @Test
    void aClosedPortIsConnectionRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(sshd.address()))) {
            port = s.getLocalPort();
        }
        SshTarget closed = new SshTarget(sshd.address(), port, "root");
        assertThatThrownBy(() -> connector.connect(closed, sshd.clientKey().privateKey(), sshd.hostKey().publicKey(),
                FAST)).isInstanceOfSatisfying(SshTransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SshFailureReason.CONNECTION_REFUSED);
                    assertThat(e.getMessage()).contains("connection refused", "port " + port);
                });
    }

    @Test
    void aPeerThatAcceptsAndNeverSpeaksTimesOut() throws IOException {
        try (SilentTcpServer silent = new SilentTcpServer("127.0.0.1")) {
            SshTarget target = new SshTarget("127.0.0.1", silent.port(), "root");
            SshTimeouts oneSecond = SshTimeouts.uniform(Duration.ofSeconds(1));
            long start = System.nanoTime();
            assertThatThrownBy(() -> connector.connect(target, sshd.clientKey().privateKey(),
                    sshd.hostKey().publicKey(), oneSecond)).isInstanceOfSatisfying(SshTransportException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SshFailureReason.TIMEOUT);
                        assertThat(e.getMessage()).contains("timed out after 1 s", "no SSH server answers");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(silent.acceptedCount()).isPositive();
        }
    }

    @Test
    void keepAlivesKeepAnIdleButHealthySessionOpen() throws IOException {
        SshTimeouts tight = FAST.withKeepAlive(Duration.ofMillis(500), 1);
        try (SshSession session = connect(tight); RemoteProcess p = session.exec("sleep 3; echo done", line -> {
        })) {
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("done\n");
            assertThat(p.waitFor(Duration.ofSeconds(10))).isZero();
            assertThat(session.isOpen()).isTrue();
        }
    }

    @Test
    void unansweredKeepAlivesCloseTheSessionOfAFrozenServer() throws IOException {
        SshTimeouts tight = FAST.withKeepAlive(Duration.ofMillis(500), 2);
        try (SshSession session = connect(tight); RemoteProcess p = session.exec("sleep 60", line -> {
        })) {
            sshd.freeze();
            try {
                long start = System.nanoTime();
                assertThatThrownBy(() -> p.waitFor(Duration.ofSeconds(30)))
                        .isInstanceOfSatisfying(SshTransportException.class, e -> {
                            assertThat(e.reason()).isEqualTo(SshFailureReason.DISCONNECTED);
                            assertThat(e.getMessage()).contains("ended without an exit status",
                                    "the server stopped answering keep-alives");
                        });
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                assertThat(session.isOpen()).isFalse();
                assertThat(p.isOpen()).isFalse();
            } finally {
                sshd.thaw();
            }
        }
    }
}
