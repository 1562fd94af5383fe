package dev.nixpool.nix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.wire.NixWireException;

class Nix32Test {

    /** Vectors from {@code nix-hash --type sha256 --to-base32} of Nix 2.8. */
    @Test
    void matchesNixHashToBase32() throws Exception {
        byte[] empty = HexFormat.of().parseHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Nix32.encode(empty)).isEqualTo("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73");
        byte[] hello = HexFormat.of().parseHex("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(Nix32.encode(hello)).isEqualTo("094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic");
        assertThat(Nix32.decode("094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic", 32)).isEqualTo(hello);
    }

    @Test
    void randomRoundTrips() throws Exception {
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[1 + r.nextInt(64)];
            r.nextBytes(b);
            String s = Nix32.encode(b);
            assertThat(s).hasSize(Nix32.encodedLength(b.length));
            assertThat(Nix32.decode(s, b.length)).isEqualTo(b);
        }
    }

    @Test
    void rejectsForeignCharactersLengthsAndOverflow() {
        assertThatThrownBy(() -> Nix32.decode("e".repeat(32), 20)).isInstanceOf(NixWireException.class)
                .hasMessageContaining("got 'e'");
        assertThatThrownBy(() -> Nix32.decode("0".repeat(31), 20)).hasMessageContaining("expected 32 nix32 characters");
        // 32 chars carry 160 bits exactly; 52 chars carry 260 bits for 256: the top bits must be zero
        assertThatThrownBy(() -> Nix32.decode("z" + "0".repeat(51), 32)).hasMessageContaining("bits beyond");
    }
}
