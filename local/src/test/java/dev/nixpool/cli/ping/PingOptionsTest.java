package dev.nixpool.cli.ping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.cli.UsageException;
import dev.nixpool.ssh.SshTarget;

class PingOptionsTest {

    @Test
    void defaults() throws UsageException {
        PingOptions o = PingOptions.parse(List.of("nix@builder"));
        assertThat(o.target()).isEqualTo(new SshTarget("builder", 22, "nix"));
        assertThat(o.identity()).isNull();
        assertThat(o.hostKey()).isNull();
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.verbose()).isFalse();
    }

    @Test
    void everyOption() throws UsageException {
        PingOptions o = PingOptions.parse(List.of("-p", "2222", "-i", "/k/id", "--host-key", "c3No", "--timeout",
                "1.5", "-v", "ssh://root@10.0.0.5"));
        assertThat(o.target()).isEqualTo(new SshTarget("10.0.0.5", 2222, "root"));
        assertThat(o.identity()).isEqualTo(Path.of("/k/id"));
        assertThat(o.hostKey()).isEqualTo("c3No");
        assertThat(o.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.verbose()).isTrue();
    }

    @Test
    void errorsSayWhatWasExpectedAndWhatCame() {
        assertThatThrownBy(() -> PingOptions.parse(List.of())).isInstanceOf(UsageException.class)
                .hasMessage("expected USER@HOST, got nothing");
        assertThatThrownBy(() -> PingOptions.parse(List.of("-p", "0", "a@b")))
                .hasMessage("expected a port between 1 and 65535 for -p, got '0'");
        assertThatThrownBy(() -> PingOptions.parse(List.of("--timeout", "-3", "a@b")))
                .hasMessage("expected --timeout in seconds (more than 0, at most 3600), got '-3'");
        assertThatThrownBy(() -> PingOptions.parse(List.of("a@b", "-i")))
                .hasMessage("option -i needs a value");
        assertThatThrownBy(() -> PingOptions.parse(List.of("a@b", "c@d")))
                .hasMessage("expected one USER@HOST, got 'a@b' and 'c@d'");
        assertThatThrownBy(() -> PingOptions.parse(List.of("builder")))
                .hasMessage("expected USER@HOST, got 'builder'");
        assertThatThrownBy(() -> PingOptions.parse(List.of("-x", "a@b"))).hasMessage("unknown option '-x'");
    }
}
