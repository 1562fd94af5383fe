package dev.nixpool.cli.ping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.SshFailureReason;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTransportException;

class PingDiagnosisTest {

    private static final SshTarget TARGET = new SshTarget("builder", 2222, "nix");
    private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO1nQLkbwzFVOQWy/WQ9/c437gaO+L7AcgHTjPRScMh8";
    private static final String FINGERPRINT = "SHA256:KG8dM2DQFhtNlXKUQPCe5oioh3LDjblC/gC1XRl/3cw";

    @Test
    void successShowsVersionAndFingerprint() throws SshTransportException {
        PingResult r = PingDiagnosis.success(TARGET, 0x207, HostKeys.parse(KEY));
        assertThat(r.ok()).isTrue();
        assertThat(r.message()).isEqualTo("ok: nix@builder:2222 runs 'nix-store --serve --write'\n"
                + "serve protocol version: 2.7\nhost key: " + FINGERPRINT + " (ssh-ed25519)\n");
    }

    @Test
    void eachTransportReasonHasItsExitCode() {
        assertThat(code(SshFailureReason.CONNECTION_REFUSED)).isEqualTo(3);
        assertThat(code(SshFailureReason.UNREACHABLE)).isEqualTo(3);
        assertThat(code(SshFailureReason.TIMEOUT)).isEqualTo(4);
        assertThat(code(SshFailureReason.HOST_KEY_MISMATCH)).isEqualTo(5);
        assertThat(code(SshFailureReason.AUTH_REFUSED)).isEqualTo(6);
        assertThat(code(SshFailureReason.INVALID_KEY)).isEqualTo(2);
        assertThat(code(SshFailureReason.CHANNEL_FAILED)).isEqualTo(10);
        assertThat(code(SshFailureReason.DISCONNECTED)).isEqualTo(10);
        assertThat(code(SshFailureReason.PROTOCOL_ERROR)).isEqualTo(10);
    }

    @Test
    void everyExitCodeIsDocumented() {
        for (int code : new int[]{0, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
            assertThat(PingDiagnosis.EXIT_CODES).containsPattern("(?m)^  " + code + " +\\S");
        }
    }

    private static int code(SshFailureReason reason) {
        return PingDiagnosis.transport(new SshTransportException(reason, "m")).exitCode();
    }

    @Test
    void transportMessagesKeepTheCauseAndAddAFix() {
        PingResult r = PingDiagnosis.transport(new SshTransportException(SshFailureReason.AUTH_REFUSED,
                "nix@builder:2222 refused the client key X"));
        assertThat(r.message()).isEqualTo("nixpool ping: nix@builder:2222 refused the client key X\n"
                + "Add the client's public key to the remote user's ~/.ssh/authorized_keys, or pass the right key "
                + "with -i.\n");
    }

    @Test
    void unknownHostGivesTheFingerprintAndTheExactHostKeyValue() throws SshTransportException {
        PublicKey key = HostKeys.parse(KEY);
        PingResult r = PingDiagnosis.unknownHost(TARGET, key, Path.of("/home/u/.ssh/known_hosts"));
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.message()).contains("nix@builder:2222 is not in /home/u/.ssh/known_hosts",
                "trust it on first use", FINGERPRINT, "--host-key " + HostKeys.toBase64Line(key));
    }

    @Test
    void loginOutputQuotesItAndPointsAtTheLoginScripts() {
        PingResult r = PingDiagnosis.loginOutput(TARGET, "Welcome to builder");
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.message()).contains("printed text on stdout", "  Welcome to builder\n", "protocol mismatch",
                "serialised integer ... is too large", ">&2", "/etc/profile", "~/.bashrc", "ForceCommand", "MOTD");
    }

    @Test
    void exitStatus127IsNixStoreMissing() {
        PingResult r = PingDiagnosis.remoteExited(TARGET, 127, List.of("bash: line 1: nix-store: command not found"));
        assertThat(r.exitCode()).isEqualTo(8);
        assertThat(r.message()).contains("'nix-store' was not found on nix@builder:2222 (exit status 127)",
                "  | bash: line 1: nix-store: command not found", "Install Nix", "PATH", "non-interactive");
    }

    @Test
    void nixStoreMissingIsAlsoRecognisedFromStderr() {
        assertThat(PingDiagnosis.nixStoreMissing(1, List.of("sh: 1: nix-store: not found"))).isTrue();
        assertThat(PingDiagnosis.nixStoreMissing(1, List.of("zsh:1: no such file or directory: nix-store")))
                .isTrue();
        assertThat(PingDiagnosis.nixStoreMissing(1, List.of("error: cannot open database"))).isFalse();
        assertThat(PingDiagnosis.nixStoreMissing(null, List.of())).isFalse();
    }

    @Test
    void anyOtherEarlyExitQuotesStderr() {
        PingResult r = PingDiagnosis.remoteExited(TARGET, 1,
                List.of("error: opening lock file '/nix/var/nix/db/big-lock': Permission denied"));
        assertThat(r.exitCode()).isEqualTo(9);
        assertThat(r.message()).contains("exited with status 1 before the protocol handshake",
                "  | error: opening lock file");
        assertThat(PingDiagnosis.remoteExited(TARGET, null, List.of()).message())
                .contains("ended without an exit status", "it printed nothing on stderr");
    }

    @Test
    void handshakeTimeoutIsATimeout() {
        PingResult r = PingDiagnosis.handshakeTimeout(TARGET, Duration.ofSeconds(3), List.of());
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.message()).contains("did not answer the handshake within 3.0 s");
    }
}
