package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.worker.WorkerConnection;
import dev.nixpool.ssh.ClientKeys;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.RemoteProcess;
import dev.nixpool.ssh.ServeChannel;
import dev.nixpool.ssh.SshConnector;
import dev.nixpool.ssh.SshFailureReason;
import dev.nixpool.ssh.SshKeyGenerator;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTimeouts;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.Watchdog;

/** The gateway's SSH server with MINA's client on loopback: login decisions and command routing, no Nix needed. */
class GatewayServerTest {

    @TempDir
    Path tmp;

    private final OpenSshKeyPair hostKey = SshKeyGenerator.generateEd25519("gateway");
    private final OpenSshKeyPair alice = SshKeyGenerator.generateEd25519("alice");
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final FakeBroker broker = new FakeBroker(FakeBroker.pool("small"));
    private GatewayServer server;
    private SshConnector connector;
    private Watchdog watchdog;

    @BeforeEach
    void start() throws Exception {
        PublicKey allowed = HostKeys.parse(alice.publicKey());
        server = new GatewayServer("127.0.0.1", 0, ClientKeys.load(hostKey.privateKey(), "host key"), key -> {
            asked.add(HostKeys.fingerprint(key));
            return key.equals(allowed)
                    ? Optional.of(new ClientIdentity("alice", HostKeys.fingerprint(key)))
                    : Optional.empty();
        }, broker, (lease, lines) -> {
            throw new BrokerException("no builders in this test");
        }, new GatewayLimits(tmp, 1 << 20, 1 << 20, 16, 1 << 20, 4, Duration.ofMinutes(1)));
        server.start();
        connector = new SshConnector();
        watchdog = new Watchdog("test-watchdog");
    }

    @AfterEach
    void stop() throws Exception {
        watchdog.close();
        connector.close();
        server.close();
    }

    private SshSession login(String user, OpenSshKeyPair key) throws SshTransportException {
        return connector.connect(new SshTarget("127.0.0.1", server.port(), user), key.privateKey(),
                hostKey.publicKey(), SshTimeouts.uniform(Duration.ofSeconds(10)));
    }

    @Test
    void anAuthorisedKeyGetsTheServeProtocolAnsweredByTheGatewayItself() throws Exception {
        try (SshSession session = login("small", alice);
                ServeChannel serve = ServeChannel.start(session, line -> {
                }, Duration.ofSeconds(10), watchdog)) {
            assertThat(serve.version()).isEqualTo(ServeProtocol.CLIENT_VERSION);
        }
        assertThat(broker.tickets).isEmpty();
    }

    /** MINA's chacha20 is plain Java and slow: the gateway speaks AES-GCM, which OpenSSH clients offer too. */
    @Test
    void theConnectionIsEncryptedWithAesGcm() throws Exception {
        try (SshSession session = login("small", alice)) {
            assertThat(session.cipher()).isEqualTo("aes128-gcm@openssh.com");
        }
    }

    @Test
    void nixDaemonStdioGetsTheWorkerProtocolAnsweredByTheGatewayItself() throws Exception {
        try (SshSession session = login("small", alice);
                RemoteProcess process = session.exec("nix-daemon --stdio", line -> {
                })) {
            WorkerConnection worker = new WorkerConnection(process.stdout(), process.stdin());
            assertThat(worker.handshake(m -> {
            })).isEqualTo(WorkerEndpoint.VERSION);
            assertThat(worker.daemonNixVersion()).isEqualTo(WorkerEndpoint.NIX_VERSION);
            process.stdin().close();
            assertThat(process.waitFor(Duration.ofSeconds(10))).isZero();
        }
        assertThat(broker.tickets).isEmpty();
    }

    @Test
    void anUnknownKeyIsRefusedAtAuthenticationAndOnlyItsFingerprintIsSeen() {
        OpenSshKeyPair mallory = SshKeyGenerator.generateEd25519("mallory");
        assertThatThrownBy(() -> login("small", mallory)).isInstanceOfSatisfying(SshTransportException.class,
                e -> assertThat(e.reason()).isEqualTo(SshFailureReason.AUTH_REFUSED));
        assertThat(asked).anyMatch(f -> f.startsWith("SHA256:"));
    }

    @Test
    void otherCommandsAreRefusedWithOneLineAndExitStatusOne() throws Exception {
        for (String command : List.of("ls /", "scp -t /tmp", "nix-daemon --stdio --store x", "nix-daemon",
                "nix-store --serve --store x")) {
            List<String> stderr = new CopyOnWriteArrayList<>();
            try (SshSession session = login("small", alice);
                    RemoteProcess process = session.exec(command, stderr::add)) {
                assertThat(process.waitFor(Duration.ofSeconds(10))).as(command).isEqualTo(1);
                org.awaitility.Awaitility.await().until(() -> !stderr.isEmpty());
                assertThat(stderr).as(command).singleElement().asString().startsWith("nixpool gateway: ");
            }
        }
    }

    private static final Duration QUIET_IDLE_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void keepAlivesKeepAQuietClientPastTheIdleTimeout() throws Exception {
        // Nix's client sends nothing while its build runs: only the answers to the gateway's keep-alives show it is
        // there. Twice the idle timeout with the connection open all along shows they count; keep-alives every 100 ms
        // with 20 missed allowed leave room for a loaded machine's stalls.
        try (GatewayServer quiet = quietServer(Duration.ofMillis(100));
                SshSession session = quietLogin(quiet)) {
            await().during(QUIET_IDLE_TIMEOUT.multipliedBy(2)).atMost(QUIET_IDLE_TIMEOUT.multipliedBy(3))
                    .until(session::isOpen);
        }
    }

    @Test
    void withoutKeepAlivesTheIdleTimeoutEndsAQuietConnection() throws Exception {
        try (GatewayServer quiet = quietServer(Duration.ZERO);
                SshSession session = quietLogin(quiet)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !session.isOpen());
        }
    }

    /** A gateway whose idle timeout is {@link #QUIET_IDLE_TIMEOUT}. */
    private GatewayServer quietServer(Duration keepAlive) throws Exception {
        PublicKey allowed = HostKeys.parse(alice.publicKey());
        GatewayServer quiet = new GatewayServer("127.0.0.1", 0, ClientKeys.load(hostKey.privateKey(), "host key"),
                key -> key.equals(allowed)
                        ? Optional.of(new ClientIdentity("alice", HostKeys.fingerprint(key)))
                        : Optional.empty(),
                broker, (lease, lines) -> {
                    throw new BrokerException("no builders in this test");
                }, new GatewayLimits(tmp, 1 << 20, 1 << 20, 16, 1 << 20, 4, QUIET_IDLE_TIMEOUT, keepAlive, 20));
        quiet.start();
        return quiet;
    }

    /** A client that sends nothing of its own accord (no keep-alives), as OpenSSH by default. */
    private SshSession quietLogin(GatewayServer quiet) throws SshTransportException {
        return connector.connect(new SshTarget("127.0.0.1", quiet.port(), "small"), alice.privateKey(),
                hostKey.publicKey(), SshTimeouts.uniform(Duration.ofSeconds(10)).withKeepAlive(Duration.ZERO, 1));
    }
}
