package dev.nixpool.nix.vectors;

import static dev.nixpool.nix.vectors.Vectors.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.ATermWriter;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationFormatException;
import dev.nixpool.nix.wire.WireWriter;

/**
 * NixOS/nix's .drv files (src/libstore-tests/data/derivation and tests/functional/derivation, see the README of
 * nix-characterization): ours parses every one Nix 2.8 could write and prints it back byte for byte, and their
 * BasicDerivation wire form (what BuildDerivation sends) reads back to the same derivation minus its input derivations.
 */
class DerivationVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"simple-derivation.drv", "bad-ca-fixed-path.drv", "ia-advanced-attributes.drv",
            "ia-advanced-attributes-defaults.drv", "ia-advanced-attributes-structured-attrs.drv",
            "ia-advanced-attributes-structured-attrs-defaults.drv", "ca-advanced-attributes.drv",
            "ca-advanced-attributes-defaults.drv", "ca-advanced-attributes-structured-attrs.drv",
            "ca-advanced-attributes-structured-attrs-defaults.drv"})
    void parsesAndPrintsBackByteForByte(String name) throws Exception {
        byte[] drv = load("derivation/" + name);
        Derivation d = ATermParser.parse(drv);
        assertThat(ATermWriter.toBytes(d)).isEqualTo(drv);
        assertBasicRoundTrip(d);
    }

    /** Hand-made data whose input derivations are not in Nix's order: parsed, and printed back in that order. */
    @ParameterizedTest
    @ValueSource(strings = {"hello.drv", "firefox.drv"})
    void unsortedInputDerivationsPrintBackSorted(String name) throws Exception {
        Derivation d = ATermParser.parse(load("derivation/" + name));
        byte[] canonical = ATermWriter.toBytes(d);
        assertThat(ATermParser.parse(canonical)).isEqualTo(d);
        assertThat(ATermWriter.toBytes(ATermParser.parse(canonical))).isEqualTo(canonical);
        assertThat(d.inputDrvs()).isNotEmpty();
        List<String> inputs = List.copyOf(d.inputDrvs().keySet());
        assertThat(inputs).isSorted();
        assertBasicRoundTrip(d);
    }

    /** Newer formats (DrvWithVersion: dynamic derivations, versions) are Nix 2.8's errors and ours. */
    @ParameterizedTest
    @ValueSource(strings = {"bad-version.drv", "dyn-dep-derivation.drv"})
    void drvWithVersionIsRefused(String name) {
        assertThatThrownBy(() -> ATermParser.parse(load("derivation/" + name)))
                .isInstanceOf(DerivationFormatException.class).hasMessageContaining("Derive([");
    }

    private static void assertBasicRoundTrip(Derivation d) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BasicDerivationCodec.write(new WireWriter(bytes), d);
        Derivation back = BasicDerivationCodec.read(Vectors.reader(bytes.toByteArray()));
        assertThat(back).isEqualTo(d.basic());
    }
}
