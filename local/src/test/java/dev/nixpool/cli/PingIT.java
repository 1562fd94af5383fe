package dev.nixpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.testing.ProcessResult;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.OpenSshKeyPair;
import dev.nixpool.ssh.SshKeyGenerator;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.testing.Closeables;
import dev.nixpool.testing.LoopbackSshd;
import dev.nixpool.testing.Processes;
import dev.nixpool.testing.SilentTcpServer;

/** {@code ./nixpool ping} as users run it: the real launcher script in its own process, against real sshds. */
class PingIT {

    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final String BANNER = "Welcome to the nixpool test builder!";

    private static LoopbackSshd good;
    private static LoopbackSshd banner;
    private static LoopbackSshd noNix;
    private static LoopbackSshd failing;

    /** HOME of the launched CLI: its ~/.ssh/known_hosts and default identity. */
    @TempDir
    Path home;

    @BeforeAll
    static void startBuilders() throws IOException {
        good = LoopbackSshd.start();
        banner = LoopbackSshd.builder().banner(BANNER).start();
        noNix = LoopbackSshd.builder().withoutNixStoreOnPath().start();
        failing = LoopbackSshd.builder().beforeCommand("echo 'error: this builder is being drained' >&2; exit 1")
                .start();
    }

    @AfterAll
    static void stopBuilders() throws Exception {
        Closeables.closeAll(good, banner, noNix, failing);
    }

    /** Runs the launcher from the temp HOME (not the repo), as a user would from anywhere. */
    private ProcessResult ping(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("nixpool.repo.root"), "nixpool").toString());
        command.add("ping");
        command.addAll(List.of(args));
        return Processes.run(command, home, Map.of("HOME", home.toString()), LIMIT);
    }

    private static String[] args(LoopbackSshd sshd, String hostKey, String... more) {
        List<String> a = new ArrayList<>(List.of("-p", Integer.toString(sshd.port()), "-i",
                sshd.clientKeyFile().toString()));
        if (hostKey != null) {
            a.addAll(List.of("--host-key", hostKey));
        }
        a.addAll(List.of(more));
        a.add(sshd.target().user() + "@" + sshd.address());
        return a.toArray(String[]::new);
    }

    private static String fingerprint(String publicKeyLine) throws SshTransportException {
        return HostKeys.fingerprint(HostKeys.parse(publicKeyLine));
    }

    private static String base64(String publicKeyLine) throws SshTransportException {
        return HostKeys.toBase64Line(HostKeys.parse(publicKeyLine));
    }

    @Test
    void aGoodBuilderAnswersWithProtocol2_7AndItsFingerprint() throws SshTransportException {
        ProcessResult r = ping(args(good, base64(good.hostKey().publicKey())));
        assertThat(r.exitCode()).as(Processes.describe(r)).isZero();
        assertThat(r.stdoutText()).contains("serve protocol version: 2.7",
                "host key: " + fingerprint(good.hostKey().publicKey()));
        assertThat(r.stderr()).as("MINA must be quiet by default").doesNotContain("INFO", "org.apache.sshd");
    }

    @Test
    void thePlainPublicKeyLineIsAcceptedToo() throws SshTransportException {
        ProcessResult r = ping(args(good, good.hostKey().publicKey()));
        assertThat(r.exitCode()).as(Processes.describe(r)).isZero();
        assertThat(r.stdoutText()).contains("2.7", fingerprint(good.hostKey().publicKey()));
    }

    @Test
    void knownHostsWithAPortEntryIsUsedWithoutHostKey() throws IOException {
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(ssh.resolve("known_hosts"),
                "[" + good.address() + "]:" + good.port() + " " + good.hostKey().publicKey() + "\n");
        ProcessResult r = ping(args(good, null));
        assertThat(r.exitCode()).as(Processes.describe(r)).isZero();
        assertThat(r.stdoutText()).contains("2.7", fingerprint(good.hostKey().publicKey()));
    }

    @Test
    void theDefaultIdentityIsHomeSshIdEd25519() throws IOException {
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(ssh.resolve("id_ed25519"), good.clientKey().privateKey());
        ProcessResult r = ping("-p", Integer.toString(good.port()), "--host-key", good.hostKey().publicKey(),
                "root@" + good.address());
        assertThat(r.exitCode()).as(Processes.describe(r)).isZero();
        assertThat(r.stdoutText()).contains("2.7");
    }

    @Test
    void noIdentityAtAllIsAUsageError() {
        ProcessResult r = ping("-p", Integer.toString(good.port()), "--host-key", good.hostKey().publicKey(),
                "root@" + good.address());
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(2);
        assertThat(r.stderr()).contains(home.resolve(".ssh/id_ed25519") + " does not exist; pass -i FILE");
    }

    @Test
    void anUnknownHostIsRefusedWithTheValueToPin() throws SshTransportException {
        ProcessResult r = ping(args(good, null));
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(5);
        assertThat(r.stderr()).contains("not in " + home.resolve(".ssh/known_hosts"), "trust it on first use",
                fingerprint(good.hostKey().publicKey()), "--host-key " + base64(good.hostKey().publicKey()));
    }

    @Test
    void aLoginBannerOnStdoutIsExplained() throws SshTransportException {
        ProcessResult r = ping(args(banner, banner.hostKey().publicKey()));
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(7);
        assertThat(r.stderr()).contains(BANNER, "printed text on stdout", "protocol mismatch",
                "serialised integer", "stderr", "/etc/profile", "~/.bashrc", "ForceCommand");
    }

    @Test
    void aWrongHostKeyShowsBothFingerprints() throws SshTransportException {
        OpenSshKeyPair other = SshKeyGenerator.generateEd25519("not-the-builder");
        ProcessResult r = ping(args(good, other.publicKey()));
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(5);
        assertThat(r.stderr()).contains("host key mismatch", "expected " + fingerprint(other.publicKey()),
                "presented " + fingerprint(good.hostKey().publicKey()));
    }

    @Test
    void aRefusedClientKeyNamesTheKeyOffered() throws IOException {
        OpenSshKeyPair stranger = SshKeyGenerator.generateEd25519("stranger");
        Path key = home.resolve("stranger_key");
        Files.writeString(key, stranger.privateKey());
        ProcessResult r = ping("-p", Integer.toString(good.port()), "-i", key.toString(), "--host-key",
                good.hostKey().publicKey(), "root@" + good.address());
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(6);
        assertThat(r.stderr()).contains("refused the client key " + fingerprint(stranger.publicKey()),
                "authorized_keys");
    }

    @Test
    void nixStoreMissingFromThePathIsExplained() throws SshTransportException {
        ProcessResult r = ping(args(noNix, noNix.hostKey().publicKey()));
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(8);
        assertThat(r.stderr()).contains("'nix-store' was not found", "exit status 127", "Install Nix", "PATH",
                "non-interactive");
    }

    @Test
    void aRemoteThatExitsBeforeTheHandshakeIsQuoted() throws SshTransportException {
        ProcessResult r = ping(args(failing, failing.hostKey().publicKey()));
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(9);
        assertThat(r.stderr()).contains("exited with status 1 before the protocol handshake",
                "| error: this builder is being drained");
    }

    @Test
    void aSilentPeerTimesOut() throws IOException {
        try (SilentTcpServer silent = new SilentTcpServer("127.0.0.1")) {
            long start = System.nanoTime();
            ProcessResult r = ping("-p", Integer.toString(silent.port()), "-i", good.clientKeyFile().toString(),
                    "--host-key", good.hostKey().publicKey(), "--timeout", "2", "root@127.0.0.1");
            assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(4);
            assertThat(r.stderr()).contains("timed out after 2 s", "no SSH server answers");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
        }
    }

    @Test
    void aClosedPortIsConnectionRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(good.address()))) {
            port = s.getLocalPort();
        }
        ProcessResult r = ping("-p", Integer.toString(port), "-i", good.clientKeyFile().toString(), "--host-key",
                good.hostKey().publicKey(), "root@" + good.address());
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(3);
        assertThat(r.stderr()).contains("connection refused", "port " + port);
    }

    @Test
    void verboseShowsTheSshLibrarysLog() throws SshTransportException {
        ProcessResult r = ping(args(good, good.hostKey().publicKey(), "-v"));
        assertThat(r.exitCode()).as(Processes.describe(r)).isZero();
        assertThat(r.stderr()).contains("org.apache.sshd");
    }

    @Test
    void badArgumentsExitWithUsage() {
        ProcessResult r = ping("-p", "notaport", "root@127.0.0.1");
        assertThat(r.exitCode()).as(Processes.describe(r)).isEqualTo(2);
        assertThat(r.stderr()).contains("expected a port between 1 and 65535 for -p, got 'notaport'",
                "usage: nixpool ping");
    }
}
