package dev.nixpool.nix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.wire.NixWireException;

class NixHashTest {

    private static final String HEX = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    private static final String NIX32 = "094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic";
    private static final String SRI = "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";

    @Test
    void convertsBetweenEveryForm() throws Exception {
        NixHash h = NixHash.sha256Of("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(h.toBase16()).isEqualTo(HEX);
        assertThat(h.toPrefixedNix32()).isEqualTo("sha256:" + NIX32);
        assertThat(h.toSri()).isEqualTo(SRI);
        assertThat(NixHash.parse("sha256:" + NIX32)).isEqualTo(h);
        assertThat(NixHash.parse("sha256:" + HEX)).isEqualTo(h);
        assertThat(NixHash.parse(SRI)).isEqualTo(h);
        assertThat(NixHash.parseBare("sha256", HEX)).isEqualTo(h);
    }

    @Test
    void base64OfTheRightLengthButTheWrongByteCountIsATypedError() {
        // 44 characters without padding are 33 bytes: found by fuzzing narinfo FileHash lines
        String unpadded = "A".repeat(44);
        assertThatThrownBy(() -> NixHash.parse("sha256:" + unpadded)).isInstanceOf(NixWireException.class)
                .hasMessageContaining("expected 32 bytes in base64 hash");
    }

    @Test
    void rejectsUnknownAlgorithmsAndLengths() {
        assertThatThrownBy(() -> NixHash.parse("sha3:" + HEX)).isInstanceOf(NixWireException.class)
                .hasMessageContaining("got 'sha3'");
        assertThatThrownBy(() -> NixHash.parse("sha256:abc")).hasMessageContaining("got 3");
        assertThatThrownBy(() -> NixHash.parse("sha256:" + HEX.replace('2', 'g')))
                .hasMessageContaining("base16");
        assertThatThrownBy(() -> NixHash.parse(HEX)).hasMessageContaining("expected a hash like");
        assertThatThrownBy(() -> NixHash.parse("sha256-AAAA")).hasMessageContaining("32 bytes");
    }
}
