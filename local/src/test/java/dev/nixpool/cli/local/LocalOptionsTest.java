package dev.nixpool.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.nixpool.cli.UsageException;

/** The arguments of {@code nixpool local}. */
class LocalOptionsTest {

    @Test
    void defaultsAreTheRepositoryStateDirAFreePortAndNoSettings() throws Exception {
        LocalOptions options = LocalOptions.parse(List.of());
        assertThat(options.stateDir()).isNull();
        assertThat(options.apiPort()).isZero();
        assertThat(options.operatorLog()).isNull();
        assertThat(options.operatorProperties()).isEmpty();
        assertThat(options.operatorReplicas()).isEqualTo(1);
    }

    @Test
    void everyOptionIsRead() throws Exception {
        LocalOptions options = LocalOptions.parse(List.of("--state-dir", "/srv/np", "--api-port", "6443",
                "--operator-log", "op.log", "--set", "nixpool.runner.threads=4", "--set", "a.b=x=y",
                "--operator-replicas", "2"));
        assertThat(options.operatorReplicas()).isEqualTo(2);
        assertThat(options.stateDir()).isEqualTo(Path.of("/srv/np"));
        assertThat(options.apiPort()).isEqualTo(6443);
        assertThat(options.operatorLog()).isEqualTo(Path.of("op.log"));
        assertThat(options.operatorProperties())
                .isEqualTo(Map.of("nixpool.runner.threads", "4", "a.b", "x=y"));
    }

    @Test
    void badArgumentsSayWhatWasExpected() {
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--api-port", "http")))
                .isInstanceOf(UsageException.class)
                .hasMessage("expected a port between 0 (any free port) and 65535 for --api-port, got 'http'");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--api-port", "65536")))
                .hasMessage("expected a port between 0 (any free port) and 65535 for --api-port, got '65536'");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--set", "=x")))
                .hasMessage("expected KEY=VALUE after --set, got '=x'");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--state-dir")))
                .hasMessage("option --state-dir needs a value");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--operator-replicas", "0")))
                .hasMessage("expected a number from 1 to 5 for --operator-replicas, got '0'");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--operator-replicas", "two")))
                .hasMessage("expected a number from 1 to 5 for --operator-replicas, got 'two'");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--detach"))).hasMessage("unknown option '--detach'");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("now"))).hasMessage("expected options only, got 'now'");
    }

    @Test
    void nodeLabelsAndTaintsAreReadAndChecked() throws Exception {
        LocalOptions options = LocalOptions.parse(List.of("--node-label", "nixpool.dev/kvm-", "--node-label",
                "zone=a", "--node-taint", "nixpool.dev/kvm=true:NoSchedule"));
        assertThat(options.nodeLabelChanges()).containsExactly("nixpool.dev/kvm-", "zone=a");
        assertThat(options.nodeTaints()).containsExactly("nixpool.dev/kvm=true:NoSchedule");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--node-label", "zone")))
                .isInstanceOf(UsageException.class)
                .hasMessage("expected a node label change KEY=VALUE (set) or KEY- (remove), got 'zone'");
        assertThatThrownBy(() -> LocalOptions.parse(List.of("--node-taint", "k=v"))).isInstanceOf(UsageException.class)
                .hasMessageContaining("expected a node taint KEY[=VALUE]:EFFECT");
    }
}
