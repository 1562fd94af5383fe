package dev.nixpool.nix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.Test;

class StorePathTest {

    private static final String HASH = "qcfbck8bcf2yv2sagfbgszljszxla1pk";

    @Test
    void parsesAndPrints() throws Exception {
        StorePath p = StorePath.parse("/nix/store/" + HASH + "-t.drv");
        assertThat(p.hashPart()).isEqualTo(HASH);
        assertThat(p.name()).isEqualTo("t.drv");
        assertThat(p.isDerivation()).isTrue();
        assertThat(p).hasToString("/nix/store/" + HASH + "-t.drv");
        assertThat(StorePath.parseBaseName(HASH + "-a+b-1.0_x?y=z")).isEqualTo(StorePath.parse(
                "/nix/store/" + HASH + "-a+b-1.0_x?y=z"));
        assertThat(StorePath.parseOptional("")).isNull();
    }

    @Test
    void errorsSayWhichRuleIsBroken() throws Exception {
        assertThatThrownBy(() -> StorePath.parse("/usr/bin/" + HASH + "-x"))
                .isInstanceOf(InvalidStorePathException.class).hasMessageContaining("start with '/nix/store/'");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH.replace('q', 'e') + "-x"))
                .hasMessageContaining("got 'e' at position 0");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH)).hasMessageContaining("32 hash characters");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH + "-"))
                .hasMessageContaining("32 hash characters");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH + "-a b"))
                .hasMessageContaining("character ' ' at position 1");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH + "-" + "a".repeat(212)))
                .hasMessageContaining("212 characters long, at most 211");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH + "-a/b")).hasMessageContaining("'/'");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH + "-..")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> StorePath.parse("/nix/store/" + HASH + "-.-x")).hasMessageContaining("'.-'");
        assertThat(StorePath.parseBaseName(HASH + "-" + "a".repeat(211)).name()).hasSize(211);
    }

    @Test
    void randomTextNeverEscapesAsAnUntypedError() {
        Random r = new Random(3);
        String alphabet = "/nixstore0123456789abcdfghijklmnpqrsvwxyz-._?=+ \u00e9\u0000";
        for (int i = 0; i < 5000; i++) {
            StringBuilder s = new StringBuilder(i % 2 == 0 ? "/nix/store/" : "");
            int len = r.nextInt(60);
            for (int j = 0; j < len; j++) {
                s.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            try {
                StorePath p = StorePath.parse(s.toString());
                assertThat(StorePath.parse(p.toString())).isEqualTo(p);
            } catch (InvalidStorePathException e) {
                assertThat(e.getMessage()).startsWith("invalid store path");
            }
        }
    }
}
