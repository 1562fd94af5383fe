package dev.nixpool.remote.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.remote.NixSettings;

/** The command lines a session runs on its builder, with and without a build's Nix settings. */
class NixCommandsTest {

    private static final String CACHE = "file:///var/cache/nix?priority=10&trusted=1";
    private static final String KEY = "cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

    @Test
    void withoutSettingsTheCommandsAreThePlainOnes() {
        NixCommands nix = new NixCommands(NixSettings.NONE);
        assertThat(nix.serve()).isEqualTo("nix-store --serve --write").isEqualTo(ServeProtocol.REMOTE_COMMAND);
        assertThat(nix.expression()).isEqualTo("d=$(nix-instantiate --no-gc-warning -) || exit; printf '%s\\n' \"$d\"; "
                + "if [ -f \"$d\" ]; then head -c 61441 -- \"$d\" 2>/dev/null; fi; exit 0");
        assertThat(nix.ensure()).isEqualTo("nix-instantiate --eval --read-write-mode -");
        assertThat(nix.flake("path:/tmp/f#pkg"))
                .isEqualTo("nix --extra-experimental-features 'nix-command flakes' path-info --derivation "
                        + "'path:/tmp/f#pkg'");
        assertThat(new NixCommands(NixSettings.of(null, null)).serve()).isEqualTo("nix-store --serve --write");
    }

    @Test
    void everyCommandGetsTheSettingsAsQuotedNixOptions() {
        NixCommands nix = new NixCommands(NixSettings.of(List.of(CACHE, "https://cache.nixos.org"), List.of(KEY)));
        String options = " --option extra-substituters '" + CACHE + " https://cache.nixos.org'"
                + " --option extra-trusted-public-keys '" + KEY + "'";
        assertThat(nix.serve()).isEqualTo("nix-store --serve --write" + options);
        assertThat(nix.expression()).startsWith("d=$(nix-instantiate --no-gc-warning" + options + " -) || exit; ");
        assertThat(nix.ensure()).isEqualTo("nix-instantiate --eval --read-write-mode" + options + " -");
        assertThat(nix.flake("github:o/r#p")).isEqualTo(
                "nix --extra-experimental-features 'nix-command flakes' path-info --derivation" + options
                        + " 'github:o/r#p'");
    }

    @Test
    void aSettingWithoutValuesIsLeftOut() {
        assertThat(NixCommands.options(NixSettings.of(List.of("https://c.example"), List.of())))
                .isEqualTo(" --option extra-substituters 'https://c.example'");
        assertThat(NixCommands.options(NixSettings.of(List.of(), List.of(KEY))))
                .isEqualTo(" --option extra-trusted-public-keys '" + KEY + "'");
    }

    @Test
    void shellCharactersAValueMayHoldStayInsideTheQuotes() {
        String s3 = "s3://bucket?region=eu-west-1&profile=$USER;x|y";
        assertThat(NixCommands.options(NixSettings.of(List.of(s3), List.of())))
                .isEqualTo(" --option extra-substituters 's3://bucket?region=eu-west-1&profile=$USER;x|y'");
    }
}
