package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SshTargetTest {

    @Test
    void parsesUserAtHost() {
        assertThat(SshTarget.parse("nix@builder.example", 2222))
                .isEqualTo(new SshTarget("builder.example", 2222, "nix"));
        assertThat(SshTarget.parse("root@[::1]", 22)).isEqualTo(new SshTarget("::1", 22, "root"));
    }

    @Test
    void printsUserHostAndPort() {
        assertThat(new SshTarget("10.1.2.3", 2222, "nix")).hasToString("nix@10.1.2.3:2222");
        assertThat(new SshTarget("::1", 22, "root")).hasToString("root@[::1]:22");
    }

    @Test
    void refusesWhatIsNotUserAtHost() {
        assertThatThrownBy(() -> SshTarget.parse("builder", 22)).hasMessage("expected USER@HOST, got 'builder'");
        assertThatThrownBy(() -> SshTarget.parse("@builder", 22)).hasMessageContaining("expected USER@HOST");
        assertThatThrownBy(() -> SshTarget.parse("nix@", 22)).hasMessageContaining("expected USER@HOST");
        assertThatThrownBy(() -> new SshTarget("h", 0, "u")).hasMessageContaining("got 0");
    }

    @Test
    void timeoutsAreValidated() {
        assertThatThrownBy(() -> SshTimeouts.uniform(Duration.ZERO))
                .hasMessageContaining("connect timeout must be positive");
        assertThatThrownBy(() -> SshTimeouts.defaults().withKeepAlive(Duration.ofSeconds(1), 0))
                .hasMessageContaining("keepAliveMaxMissed must be at least 1, got 0");
        SshTimeouts t = SshTimeouts.uniform(Duration.ofSeconds(3));
        assertThat(t.auth()).isEqualTo(Duration.ofSeconds(3));
        assertThat(t.keepAliveInterval()).isEqualTo(SshTimeouts.defaults().keepAliveInterval());
    }
}
