package dev.nixpool.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which exec requests the gateway serves: Nix's SSH stores send {@code nix-store --serve --write} (ssh://) and
 * {@code <remote-program> --stdio} (ssh-ng://; remote-program defaults to nix-daemon, may be a path or
 * {@code nix daemon}), shell-quoted word by word by newer Nix.
 */
class GatewayCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"nix-daemon --stdio", "/nix/var/nix/profiles/default/bin/nix-daemon --stdio",
            "'nix-daemon' '--stdio'", "nix daemon --stdio", "  nix-daemon   --stdio  "})
    void theWorkerProtocolAsSshNgStoresAskForIt(String command) {
        assertThat(GatewayCommand.parse(command)).isEqualTo(new GatewayCommand.Daemon());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nix-store --serve --write", "nix-store --serve", "'nix-store' '--serve' '--write'",
            "/run/current-system/sw/bin/nix-store --serve --write"})
    void theServeProtocolAsSshStoresAskForIt(String command) {
        assertThat(GatewayCommand.parse(command)).isEqualTo(new GatewayCommand.Serve());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nix-daemon", "nix-daemon --stdio --store /tmp/x", "nix daemon", "nix-daemon --daemon",
            "nix daemon --stdio --force-trusted"})
    void aDaemonWithOtherOptionsIsRefusedNamingWhatIsServed(String command) {
        assertThat(GatewayCommand.parse(command)).isInstanceOfSatisfying(GatewayCommand.Refused.class,
                r -> assertThat(r.message()).startsWith("nixpool gateway: only 'nix-daemon --stdio' is served"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nix build .", "ls /", "nix"})
    void anythingElseIsRefusedWithWhatTheGatewayIsFor(String command) {
        assertThat(GatewayCommand.parse(command)).isInstanceOfSatisfying(GatewayCommand.Refused.class,
                r -> assertThat(r.message()).endsWith(GatewayCommand.PURPOSE));
    }
}
