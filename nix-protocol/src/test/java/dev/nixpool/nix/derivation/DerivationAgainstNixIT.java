package dev.nixpool.nix.derivation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.testing.LocalNixStore;

/** .drv files made by Nix 2.8's nix-instantiate: parsed correctly and written back byte for byte. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DerivationAgainstNixIT {

    private LocalNixStore store;

    @BeforeAll
    void createStore() throws Exception {
        store = LocalNixStore.create("drv");
    }

    @AfterAll
    void removeStore() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    private Derivation roundTrip(StorePath drvPath) throws Exception {
        byte[] bytes = Files.readAllBytes(store.realPath(drvPath));
        Derivation drv = ATermParser.parse(bytes);
        assertThat(ATermWriter.toBytes(drv)).isEqualTo(bytes);
        return drv;
    }

    @Test
    void requiredSystemFeaturesFromTheEnvironment() throws Exception {
        Derivation drv = roundTrip(store.instantiate("env", """
                derivation { name = "env"; system = builtins.currentSystem; builder = "/bin/sh";
                  args = [ "-c" "echo hi > $out" ]; requiredSystemFeatures = [ "kvm" "big-parallel" ]; }
                """));
        assertThat(drv.env()).containsEntry("requiredSystemFeatures", "kvm big-parallel");
        assertThat(drv.requiredSystemFeatures()).containsExactlyInAnyOrder("kvm", "big-parallel");
        assertThat(drv.builder()).isEqualTo("/bin/sh");
        assertThat(drv.args()).containsExactly("-c", "echo hi > $out");
        assertThat(drv.platform()).isEqualTo("x86_64-linux");
        assertThat(drv.outputs()).containsOnlyKeys("out");
    }

    @Test
    void requiredSystemFeaturesFromStructuredAttrs() throws Exception {
        Derivation drv = roundTrip(store.instantiate("json",
                """
                        derivation { name = "json"; system = builtins.currentSystem; builder = "/bin/sh";
                          __structuredAttrs = true; requiredSystemFeatures = [ "kvm" "nixos-test" ]; outputs = [ "out" "dev" ]; }
                        """));
        assertThat(drv.env()).containsKey("__json").doesNotContainKey("requiredSystemFeatures");
        assertThat(drv.requiredSystemFeatures()).containsExactlyInAnyOrder("kvm", "nixos-test");
        assertThat(drv.outputs()).containsOnlyKeys("out", "dev");
    }

    @Test
    void escapesAndInputsSurviveTheRoundTrip() throws Exception {
        Derivation drv = roundTrip(store.instantiate("escapes", """
                let
                  dep = derivation { name = "dep"; system = builtins.currentSystem; builder = "/bin/sh";
                    args = [ "-c" "echo > $out" ]; outputs = [ "out" "lib" ]; };
                  src = builtins.toFile "src.txt" "source";
                in derivation { name = "escapes"; system = builtins.currentSystem; builder = "/bin/sh";
                  args = [ "-c" "echo \\"quoted\\" \\\\ back\\ttab\\nnew line\\r $out" ];
                  unicode = "caf\u00e9 \u2603"; input = dep.lib; source = src; }
                """));
        assertThat(drv.inputDrvs()).hasSize(1);
        assertThat(drv.inputDrvs().values().iterator().next()).containsExactly("lib");
        assertThat(drv.inputSrcs()).hasSize(1);
        assertThat(drv.args().get(1)).contains("\"quoted\"").contains("\\").contains("\t").contains("\n")
                .contains("\r");
        assertThat(drv.env().get("unicode")).isEqualTo("caf\u00e9 \u2603");
    }

    @Test
    void fixedOutputDerivationKeepsHashFields() throws Exception {
        Derivation drv = roundTrip(store.instantiate("fixed", """
                derivation { name = "fixed"; system = builtins.currentSystem; builder = "/bin/sh";
                  args = [ "-c" "printf hello > $out" ]; outputHashMode = "flat"; outputHashAlgo = "sha256";
                  outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; }
                """));
        DerivationOutput out = drv.outputs().get("out");
        assertThat(out.hashAlgo()).isEqualTo("sha256");
        assertThat(out.hash()).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(out.isFixed()).isTrue();
    }
}
