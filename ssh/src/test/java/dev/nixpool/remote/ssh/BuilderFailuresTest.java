package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.ssh.ServeStartException;
import dev.nixpool.ssh.ServeStartFailure;
import dev.nixpool.ssh.SshFailureReason;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTransportException;

class BuilderFailuresTest {

    private static final SshTarget TARGET = new SshTarget("10.0.0.7", 2222, "nix");

    @Test
    void everyTransportReasonHasAFailureAndKeepsItsMessage() {
        Map<SshFailureReason, BuilderFailure> expected = new EnumMap<>(SshFailureReason.class);
        expected.put(SshFailureReason.CONNECTION_REFUSED, BuilderFailure.UNREACHABLE);
        expected.put(SshFailureReason.UNREACHABLE, BuilderFailure.UNREACHABLE);
        expected.put(SshFailureReason.TIMEOUT, BuilderFailure.UNREACHABLE);
        expected.put(SshFailureReason.DISCONNECTED, BuilderFailure.UNREACHABLE);
        expected.put(SshFailureReason.HOST_KEY_MISMATCH, BuilderFailure.HOST_KEY_MISMATCH);
        expected.put(SshFailureReason.AUTH_REFUSED, BuilderFailure.AUTH_REFUSED);
        expected.put(SshFailureReason.INVALID_KEY, BuilderFailure.AUTH_REFUSED);
        expected.put(SshFailureReason.CHANNEL_FAILED, BuilderFailure.PROTOCOL_ERROR);
        expected.put(SshFailureReason.PROTOCOL_ERROR, BuilderFailure.PROTOCOL_ERROR);
        assertThat(expected).hasSize(SshFailureReason.values().length);
        expected.forEach((reason, failure) -> {
            BuilderException e = BuilderFailures.transport(new SshTransportException(reason, "why " + reason));
            assertThat(e.failure()).as(reason.name()).isEqualTo(failure);
            assertThat(e.getMessage()).isEqualTo("why " + reason);
        });
    }

    @Test
    void serveStartKindsMapOntoFailuresWithWhatAndFix() {
        BuilderException banner = serveStart(ServeStartFailure.loginOutput(TARGET, "Welcome"));
        assertThat(banner.failure()).isEqualTo(BuilderFailure.PROTOCOL_MISMATCH);
        assertThat(banner.getMessage()).contains("printed text on stdout", "Welcome", "Move that output to stderr");
        BuilderException missing = serveStart(
                ServeStartFailure.remoteExited(TARGET, 127, List.of("sh: nix-store: not found")));
        assertThat(missing.failure()).isEqualTo(BuilderFailure.NIX_NOT_FOUND);
        assertThat(missing.getMessage()).contains("'nix-store' was not found on nix@10.0.0.7:2222", "Install Nix");
        assertThat(serveStart(ServeStartFailure.remoteExited(TARGET, 1, List.of("error: x"))).failure())
                .isEqualTo(BuilderFailure.PROTOCOL_ERROR);
        assertThat(serveStart(ServeStartFailure.handshakeTimeout(TARGET, Duration.ofSeconds(3), List.of()))
                .getMessage()).contains("did not answer the handshake within 3.0 s");
        assertThat(serveStart(ServeStartFailure.handshakeFailed(TARGET, "bad version", List.of())).failure())
                .isEqualTo(BuilderFailure.PROTOCOL_ERROR);
    }

    private static BuilderException serveStart(ServeStartFailure f) {
        return BuilderFailures.serveStart(new ServeStartException(f, null));
    }

    @Test
    void evaluatorErrorStartsAtTheFirstErrorLineWithoutColours() {
        List<String> stderr = List.of("warning: you did not specify '--add-root'",
                "\u001b[31;1merror:\u001b[0m attribute '\u001b[35;1mb\u001b[0m' missing", "", "       at «stdin»:1:1:");
        assertThat(BuilderFailures.evaluatorError(stderr))
                .isEqualTo("error: attribute 'b' missing\n\n       at «stdin»:1:1:");
        assertThat(BuilderFailures.evaluatorError(List.of("something odd"))).isEqualTo("something odd");
        assertThat(BuilderFailures.evaluatorError(List.of())).isEmpty();
    }

    @Test
    void aRefusedSubstituteBeforeTheErrorSaysWhy() {
        String refused = "warning: the substitute for '/nix/store/dpdp9byxk0d8i0qhc4xmsc6jisyzihc4-x' from "
                + "'file:///cache' is not signed by any of the keys in 'trusted-public-keys'";
        List<String> stderr = List.of("warning: you did not specify '--add-root'", "\u001b[35;1m" + refused
                + "\u001b[0m", refused,
                "error: path '/nix/store/dpdp9byxk0d8i0qhc4xmsc6jisyzihc4-x' does not exist "
                        + "and cannot be created");
        assertThat(BuilderFailures.evaluatorError(stderr)).isEqualTo(refused + "\nerror: path "
                + "'/nix/store/dpdp9byxk0d8i0qhc4xmsc6jisyzihc4-x' does not exist and cannot be created");
    }

    @Test
    void stripAnsiKeepsPlainText() {
        assertThat(BuilderFailures.stripAnsi("\u001b[1mbuilder for '\u001b[35;1m/nix/store/x.drv\u001b[0m' failed"))
                .isEqualTo("builder for '/nix/store/x.drv' failed");
        assertThat(BuilderFailures.stripAnsi("no colours [here]")).isEqualTo("no colours [here]");
    }

    @Test
    void secondsAreWholeWhenTheyCanBe() {
        assertThat(BuilderFailures.seconds(Duration.ofSeconds(120))).isEqualTo("120 s");
        assertThat(BuilderFailures.seconds(Duration.ofMillis(1500))).isEqualTo("1.5 s");
    }
}
