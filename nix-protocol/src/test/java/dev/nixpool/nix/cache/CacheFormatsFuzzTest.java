package dev.nixpool.nix.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.testing.Fuzz;

/**
 * A narinfo and nix-cache-info come from a cache that may be anyone's; key files from Secrets anyone can edit. Mutated
 * inputs may only give the typed error with a message, and a narinfo that parses must write back to what parses the
 * same.
 */
class CacheFormatsFuzzTest {

    @Test
    void mutatedNarinfosGiveTypedErrorsOrRoundTrip() {
        byte[] valid = (NixCacheTestData.SIGNED_NARINFO + "CA: fixed:r:sha256:abc\n").getBytes(StandardCharsets.UTF_8);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 11, 5000), b -> {
            NarInfo info = NarInfoParser.parse(new String(b, StandardCharsets.UTF_8));
            assertThat(NarInfoParser.parse(NarInfoWriter.write(info))).isEqualTo(info);
        }, NarInfoFormatException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.truncations(valid),
                b -> NarInfoParser.parse(new String(b, StandardCharsets.UTF_8)), NarInfoFormatException.class);
    }

    @Test
    void mutatedCacheInfosGiveTypedErrors() {
        byte[] valid = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n".getBytes(StandardCharsets.UTF_8);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 12, 3000),
                b -> NixCacheInfo.parse(new String(b, StandardCharsets.UTF_8)), NarInfoFormatException.class);
    }

    @Test
    void mutatedKeysGiveTypedErrorsThatNeverQuoteTheMaterial() {
        String material = NixCacheTestData.SECRET_KEY.substring(NixCacheTestData.SECRET_KEY.indexOf(':') + 1);
        byte[] valid = NixCacheTestData.SECRET_KEY.getBytes(StandardCharsets.UTF_8);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(valid, 13, 3000), b -> {
            try {
                NixSecretKey.parse(new String(b, StandardCharsets.UTF_8));
            } catch (CacheKeyException e) {
                assertThat(e.getMessage()).doesNotContain(material.substring(0, 16))
                        .doesNotContain(material.substring(40, 56));
                throw e;
            }
        }, CacheKeyException.class);
        Fuzz.assertOnlyTypedErrors(Fuzz.mutations(NixCacheTestData.PUBLIC_KEY.getBytes(StandardCharsets.UTF_8), 14,
                3000), b -> NixPublicKey.parse(new String(b, StandardCharsets.UTF_8)), CacheKeyException.class);
    }
}
