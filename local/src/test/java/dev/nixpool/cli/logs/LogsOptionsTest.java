package dev.nixpool.cli.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.cli.UsageException;

/** The arguments of {@code nixpool logs}. */
class LogsOptionsTest {

    @Test
    void defaultsAreTheContextsNamespaceTheLatestAttemptAndTheInstallsService() throws Exception {
        LogsOptions options = LogsOptions.parse(List.of("hello"));
        assertThat(options.name()).isEqualTo("hello");
        assertThat(options.namespace()).isNull();
        assertThat(options.attempt()).isNull();
        assertThat(options.follow()).isFalse();
        assertThat(options.kubeconfig()).isNull();
        assertThat(options.context()).isNull();
        assertThat(options.operatorNamespace()).isEqualTo("nixpool-system");
        assertThat(options.operatorService()).isEqualTo("nixpool-operator:http");
    }

    @Test
    void everyOptionIsRead() throws Exception {
        LogsOptions options = LogsOptions.parse(List.of("-n", "team-a", "--attempt", "2", "-f", "hello",
                "--kubeconfig", "k.yaml", "--context", "prod", "--operator-namespace", "np", "--operator-service",
                "op:web"));
        assertThat(options).isEqualTo(new LogsOptions("hello", "team-a", 2, true, Path.of("k.yaml"), "prod", "np",
                "op:web"));
        assertThat(LogsOptions.parse(List.of("--namespace", "b", "--follow", "x")).follow()).isTrue();
    }

    @Test
    void badArgumentsSayWhatWasExpected() {
        assertThatThrownBy(() -> LogsOptions.parse(List.of())).isInstanceOf(UsageException.class)
                .hasMessage("which NixBuild? give its name");
        assertThatThrownBy(() -> LogsOptions.parse(List.of("a", "b"))).hasMessage("unexpected argument 'b'");
        assertThatThrownBy(() -> LogsOptions.parse(List.of("a", "--tail"))).hasMessage("unexpected argument '--tail'");
        assertThatThrownBy(() -> LogsOptions.parse(List.of("a", "--attempt", "0")))
                .hasMessage("--attempt needs a number from 1, got '0'");
        assertThatThrownBy(() -> LogsOptions.parse(List.of("a", "-n"))).hasMessage("option -n needs a value");
    }
}
