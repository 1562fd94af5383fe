package dev.nixpool.nix.cache;

import static dev.nixpool.nix.cache.NixCacheTestData.PUBLIC_KEY;
import static dev.nixpool.nix.cache.NixCacheTestData.SECRET_KEY;
import static dev.nixpool.nix.cache.NixCacheTestData.SIG;
import static dev.nixpool.nix.cache.NixCacheTestData.SIGNED_NARINFO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

class NixKeysTest {

    private static final String SECRET_MATERIAL = SECRET_KEY.substring(SECRET_KEY.indexOf(':') + 1);

    @Test
    void signsExactlyAsNixDid() throws Exception {
        NixSecretKey key = NixSecretKey.parse(SECRET_KEY);
        NarInfo info = NarInfoParser.parse(SIGNED_NARINFO);
        // Ed25519 is deterministic: the same key and fingerprint give Nix's signature byte for byte
        assertThat(key.sign(info.fingerprint())).isEqualTo(SIG);
        NarInfo unsigned = new NarInfo(info.storePath(), info.url(), info.compression(), info.fileHash(),
                info.fileSize(), info.narHash(), info.narSize(), info.references(), info.deriver(), List.of(), "");
        assertThat(NarInfoWriter.write(key.sign(unsigned))).isEqualTo(SIGNED_NARINFO);
        assertThat(key.sign(key.sign(unsigned)).sigs()).as("signing twice adds nothing").hasSize(1);
    }

    @Test
    void publicHalfOfTheSecretKeyIsNixsPublicKey() throws Exception {
        assertThat(NixSecretKey.parse(SECRET_KEY).publicKey()).isEqualTo(NixPublicKey.parse(PUBLIC_KEY));
        assertThat(NixPublicKey.parse(PUBLIC_KEY + "\n").toString()).isEqualTo(PUBLIC_KEY);
    }

    @Test
    void verifiesNixsSignatureAndRejectsAnyChange() throws Exception {
        NixPublicKey pk = NixPublicKey.parse(PUBLIC_KEY);
        NarInfo info = NarInfoParser.parse(SIGNED_NARINFO);
        assertThat(pk.verifies(info)).isTrue();
        assertThat(NixPublicKey.validSignatures(info, List.of(pk))).isEqualTo(1);

        NarInfo bigger = NarInfoParser.parse(SIGNED_NARINFO.replace("NarSize: 160", "NarSize: 161"));
        assertThat(pk.verifies(bigger)).isFalse();
        NarInfo noRefs = NarInfoParser.parse(SIGNED_NARINFO.replace("References: z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep",
                "References: "));
        assertThat(pk.verifies(noRefs)).isFalse();
        // not signed: the deriver, the URL, the compressed file
        NarInfo otherUrl = NarInfoParser.parse(SIGNED_NARINFO.replace("Compression: xz", "Compression: zstd"));
        assertThat(pk.verifies(otherUrl)).isTrue();

        String renamed = SIG.replace("test1:", "test2:");
        assertThat(pk.verifies(info.fingerprint(), renamed)).as("a signature under another name").isFalse();
        assertThat(pk.verifies(info.fingerprint(), "test1:AAAA")).isFalse();
        assertThat(pk.verifies(info.fingerprint(), "test1:%%%")).isFalse();
        assertThat(pk.verifies(info.fingerprint(), "no-colon")).isFalse();
    }

    @Test
    void anotherKeyOfTheSameNameDoesNotVerify() throws Exception {
        byte[] encoded = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
        NixPublicKey other = NixPublicKey.parse("test1:" + Base64.getEncoder().encodeToString(raw));
        assertThat(other.verifies(NarInfoParser.parse(SIGNED_NARINFO))).isFalse();
    }

    @Test
    void keyMaterialNeverShows() throws Exception {
        NixSecretKey key = NixSecretKey.parse(SECRET_KEY);
        assertThat(key.toString()).contains("test1").doesNotContain(SECRET_MATERIAL)
                .doesNotContain(SECRET_MATERIAL.substring(0, 12));
        assertThat(key.name()).isEqualTo("test1");
    }

    @Test
    void brokenKeysFailWithoutQuotingThem() throws Exception {
        String noName = SECRET_MATERIAL;
        assertThatThrownBy(() -> NixSecretKey.parse(noName)).isInstanceOf(CacheKeyException.class)
                .hasMessageContaining("without a colon").hasMessageNotContaining(SECRET_MATERIAL.substring(0, 12));
        String truncated = SECRET_KEY.substring(0, SECRET_KEY.length() - 8);
        assertThatThrownBy(() -> NixSecretKey.parse(truncated)).isInstanceOf(CacheKeyException.class)
                .hasMessageNotContaining(SECRET_MATERIAL.substring(0, 12));
        String notBase64 = "test1:*" + SECRET_MATERIAL.substring(1);
        assertThatThrownBy(() -> NixSecretKey.parse(notBase64)).isInstanceOf(CacheKeyException.class)
                .hasMessageContaining("base64").hasMessageNotContaining(SECRET_MATERIAL.substring(0, 12));
        assertThatThrownBy(() -> NixSecretKey.parse(PUBLIC_KEY)).isInstanceOf(CacheKeyException.class)
                .hasMessageContaining("holds 32 bytes, expected 64");
    }

    @Test
    void splicedKeyIsRejected() throws Exception {
        byte[] bytes = Base64.getDecoder().decode(SECRET_MATERIAL);
        bytes[40] ^= 1;
        String spliced = "test1:" + Base64.getEncoder().encodeToString(bytes);
        assertThatThrownBy(() -> NixSecretKey.parse(spliced)).isInstanceOf(CacheKeyException.class)
                .hasMessageContaining("inconsistent");
    }
}
