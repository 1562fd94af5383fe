package dev.nixpool.nix.cache;

import static dev.nixpool.nix.cache.NixCacheTestData.SIGNED_NARINFO;
import static dev.nixpool.nix.cache.NixCacheTestData.UNSIGNED_LEAF_NARINFO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;

class NarInfoTest {

    @Test
    void parsesWhatNixWroteAndWritesItBackByteForByte() throws Exception {
        NarInfo info = NarInfoParser.parse(SIGNED_NARINFO);
        assertThat(info.storePath()).isEqualTo(StorePath.parse("/nix/store/3fawd4g3vacbmaar5f9rm99wy1gm8jq3-t"));
        assertThat(info.url()).isEqualTo("nar/1lk2fx87ggsw1qwm1fp333bwbm3gm32ggxvfz3z2h6pglnxswym0.nar.xz");
        assertThat(info.compression()).isEqualTo("xz");
        assertThat(info.fileSize()).isEqualTo(172);
        assertThat(info.narSize()).isEqualTo(160);
        assertThat(info.narHash())
                .isEqualTo(NixHash.parse("sha256-88RGANdHt3tMS5ihoIhZ+V7W0WC4sqLnRLGft3SS3mA="));
        assertThat(info.references())
                .containsExactly(StorePath.parse("/nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep"));
        assertThat(info.deriver()).isEqualTo(StorePath.parse("/nix/store/rifrifqb9znb9g0zqpi2xm3x1alcmrdd-t.drv"));
        assertThat(info.sigs()).containsExactly(NixCacheTestData.SIG);
        assertThat(info.ca()).isEmpty();
        assertThat(NarInfoWriter.write(info)).isEqualTo(SIGNED_NARINFO);

        NarInfo leaf = NarInfoParser.parse(UNSIGNED_LEAF_NARINFO);
        assertThat(leaf.references()).isEmpty();
        assertThat(leaf.sigs()).isEmpty();
        assertThat(NarInfoWriter.write(leaf)).isEqualTo(UNSIGNED_LEAF_NARINFO);
    }

    @Test
    void urlIsNamedForTheCompressedFilesHash() throws Exception {
        NarInfo info = NarInfoParser.parse(SIGNED_NARINFO);
        assertThat(NarCompression.XZ.narUrl(info.fileHash())).isEqualTo(info.url());
        assertThat(NarCompression.ZSTD.narUrl(info.fileHash())).endsWith(".nar.zst");
        assertThat(NarCompression.NONE.narUrl(info.fileHash())).endsWith(".nar");
        assertThat(NarInfo.key(info.storePath())).isEqualTo("3fawd4g3vacbmaar5f9rm99wy1gm8jq3.narinfo");
    }

    @Test
    void fingerprintIsWhatNixSigns() throws Exception {
        NarInfo info = NarInfoParser.parse(SIGNED_NARINFO);
        assertThat(info.fingerprint()).isEqualTo("1;/nix/store/3fawd4g3vacbmaar5f9rm99wy1gm8jq3-t;"
                + "sha256:0q6yj9sbg7xi8kks5cmqc38xcpprb64a18cq9d67pds7sw04di7k;160;"
                + "/nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep");
        assertThat(NarInfoParser.parse(UNSIGNED_LEAF_NARINFO).fingerprint()).endsWith(";120;");
    }

    @Test
    void fingerprintSortsReferencesWhateverTheirOrder() throws Exception {
        NarInfo info = NarInfoParser.parse(SIGNED_NARINFO);
        StorePath a = StorePath.parse("/nix/store/00000000000000000000000000000000-a");
        StorePath z = StorePath.parse("/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-z");
        NarInfo two = new NarInfo(info.storePath(), info.url(), info.compression(), info.fileHash(),
                info.fileSize(), info.narHash(), info.narSize(), List.of(z, a), null, List.of(), "");
        assertThat(two.fingerprint()).endsWith(";" + a + "," + z);
        assertThat(NarInfoWriter.write(two)).contains("References: " + a.baseName() + " " + z.baseName() + "\n")
                .doesNotContain("Deriver");
    }

    @Test
    void contentAddressedPathsKeepTheirCaLine() throws Exception {
        String text = UNSIGNED_LEAF_NARINFO
                + "CA: fixed:r:sha256:1lk2fx87ggsw1qwm1fp333bwbm3gm32ggxvfz3z2h6pglnxswym0\n";
        NarInfo info = NarInfoParser.parse(text);
        assertThat(info.ca()).startsWith("fixed:r:sha256:");
        assertThat(NarInfoWriter.write(info)).isEqualTo(text);
    }

    @Test
    void readsAsNix28Does() throws Exception {
        NarInfo info = NarInfoParser.parse("""
                StorePath: /nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep
                URL: nar/x.nar.bz2
                NarHash: sha256:00kjynz8n03652qccs76ivsvark3pr3dfr6w1ba3x7bx83kcknvv
                NarSize: 120
                Deriver: unknown-deriver
                System: x86_64-linux
                """);
        assertThat(info.compression()).as("Nix's default when the line is missing").isEqualTo("bzip2");
        assertThat(info.deriver()).isNull();
        assertThat(info.fileHash()).isNull();
        assertThat(info.fileSize()).isZero();
    }

    @Test
    void rejectsWhatNixWouldNotRead() {
        assertThatThrownBy(() -> NarInfoParser.parse("StorePath: /nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep\n"))
                .isInstanceOf(NarInfoFormatException.class).hasMessageContaining("missing URL");
        assertThatThrownBy(() -> NarInfoParser.parse(SIGNED_NARINFO.replace("NarSize: 160", "NarSize: -1")))
                .isInstanceOf(NarInfoFormatException.class).hasMessageContaining("NarSize");
        assertThatThrownBy(() -> NarInfoParser.parse(SIGNED_NARINFO.replace("References: z4", "References: !z4")))
                .isInstanceOf(NarInfoFormatException.class).hasMessageContaining("References");
        assertThatThrownBy(() -> NarInfoParser.parse("no colon here\n")).isInstanceOf(NarInfoFormatException.class)
                .hasMessageContaining("line 1");
    }

    @Test
    void checksTheNarinfoDescribesThePathAskedFor() throws Exception {
        StorePath other = StorePath.parse("/nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep");
        assertThatThrownBy(() -> NarInfoParser.parse(SIGNED_NARINFO, other))
                .isInstanceOf(NarInfoFormatException.class).hasMessageContaining("expected a narinfo for " + other);
    }

    @Test
    void nixCacheInfoRoundTrips() throws Exception {
        assertThat(NixCacheInfo.ofStoreDir().toText()).as("what nix copy --to file:// writes")
                .isEqualTo("StoreDir: /nix/store\n");
        NixCacheInfo http = new NixCacheInfo("/nix/store", true, java.util.OptionalInt.of(40));
        assertThat(http.toText()).isEqualTo("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
        assertThat(NixCacheInfo.parse(http.toText())).isEqualTo(http);
        assertThatThrownBy(() -> NixCacheInfo.parse("WantMassQuery: 1\n")).isInstanceOf(NarInfoFormatException.class);
    }
}
