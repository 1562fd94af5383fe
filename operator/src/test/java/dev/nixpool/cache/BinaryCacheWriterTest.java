package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nixpool.nix.cache.NarCompression;
import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.cache.NarInfoParser;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.nix.nar.NarWriter;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

class BinaryCacheWriterTest {

    @TempDir
    Path tmp;

    private final MemoryCacheStore store = new MemoryCacheStore();
    private final NixSecretKey key;
    private final Map<StorePath, byte[]> nars = new HashMap<>();

    BinaryCacheWriterTest() throws Exception {
        key = NixSecretKey.parse(TestKeys.secretKeyText("unit-1"));
    }

    @Test
    void writesNarThenSignedNarinfoAndCacheInfoOnce() throws Exception {
        ValidPathInfo leaf = path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-leaf", "leaf contents\n");
        ValidPathInfo top = path("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-top", "top refers to leaf\n", leaf.path());
        BinaryCacheWriter writer = writer(NarCompression.XZ);

        NarInfo leafInfo = writer.write(leaf, new ByteArrayInputStream(nars.get(leaf.path())));
        NarInfo topInfo = writer.write(top, new ByteArrayInputStream(nars.get(top.path())));

        assertThat(store.puts()).containsExactly("nix-cache-info", leafInfo.url(), NarInfo.key(leaf.path()),
                topInfo.url(), NarInfo.key(top.path()));
        assertThat(new String(store.objects.get("nix-cache-info"), StandardCharsets.UTF_8))
                .isEqualTo("StoreDir: /nix/store\n");
        assertThat(store.contentTypes).containsEntry(leafInfo.url(), "application/x-nix-nar")
                .containsEntry(NarInfo.key(leaf.path()), "text/x-nix-narinfo");

        NarInfo stored = NarInfoParser.parse(
                new String(store.objects.get(NarInfo.key(top.path())), StandardCharsets.UTF_8), top.path());
        assertThat(stored).isEqualTo(topInfo);
        assertThat(stored.references()).containsExactly(leaf.path());
        assertThat(stored.narHash()).isEqualTo(top.narHash());
        assertThat(stored.narSize()).isEqualTo(top.narSize());
        assertThat(stored.compression()).isEqualTo("xz");
        assertThat(key.publicKey().verifies(stored)).isTrue();
        byte[] file = store.objects.get(stored.url());
        assertThat(stored.fileHash()).isEqualTo(NixHash.sha256Of(file));
        assertThat(stored.fileSize()).isEqualTo(file.length);
        assertThat(stored.url()).isEqualTo("nar/" + stored.fileHash().toNix32() + ".nar.xz");
        try (InputStream in = NarCompressors.decompress(NarCompression.XZ, new ByteArrayInputStream(file))) {
            assertThat(in.readAllBytes()).isEqualTo(nars.get(top.path()));
        }
        assertThat(writer.has(top.path())).isTrue();
        assertThat(writer.has(StorePath.parse("/nix/store/cccccccccccccccccccccccccccccccc-other"))).isFalse();
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void cacheInfoAlreadyThereIsLeftAlone() throws Exception {
        store.put("nix-cache-info", "StoreDir: /nix/store\nPriority: 30\n".getBytes(), "text/x-nix-cache-info");
        store.log.clear();
        ValidPathInfo leaf = path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-leaf", "x");
        writer(NarCompression.NONE).write(leaf, new ByteArrayInputStream(nars.get(leaf.path())));
        assertThat(store.puts()).doesNotContain("nix-cache-info");
        assertThat(new String(store.objects.get("nix-cache-info"))).contains("Priority: 30");
    }

    @Test
    void uploadsReferencesFirstAndSkipsWhatTheCacheHas() throws Exception {
        ValidPathInfo a = path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a", "a");
        ValidPathInfo b = path("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b", "b", a.path());
        ValidPathInfo c = path("cccccccccccccccccccccccccccccccc-c", "c");
        // d refers to itself too, as a store path may
        StorePath dPath = StorePath.parse("/nix/store/0ddddddddddddddddddddddddddddddd-d");
        ValidPathInfo d = path(dPath.baseName(), "d", b.path(), c.path(), dPath);
        BinaryCacheWriter writer = writer(NarCompression.ZSTD);
        writer.write(c, new ByteArrayInputStream(nars.get(c.path())));
        store.log.clear();

        UploadReport report = writer.upload(List.of(d, c, b, a), this::open);

        assertThat(report.alreadyPresent()).containsExactly(c.path());
        assertThat(report.uploaded()).extracting(NarInfo::storePath).containsExactly(a.path(), b.path(), dPath);
        assertThat(store.puts().stream().filter(k -> k.endsWith(".narinfo")))
                .containsExactly(NarInfo.key(a.path()), NarInfo.key(b.path()), NarInfo.key(dPath));
        assertThat(report.uploaded()).allSatisfy(i -> assertThat(i.url()).endsWith(".nar.zst"));

        store.log.clear();
        UploadReport again = writer.upload(List.of(a, b, c, d), this::open);
        assertThat(again.uploaded()).isEmpty();
        assertThat(again.alreadyPresent()).hasSize(4);
        assertThat(store.puts()).isEmpty();
    }

    @Test
    void refusesAClosureWhoseReferenceTheCacheLacksBeforeWritingAnything() throws Exception {
        ValidPathInfo outside = path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-outside", "o");
        ValidPathInfo top = path("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-top", "t", outside.path());
        ValidPathInfo other = path("cccccccccccccccccccccccccccccccc-other", "c");
        BinaryCacheWriter writer = writer(NarCompression.XZ);
        assertThatThrownBy(() -> writer.upload(List.of(other, top), this::open))
                .isInstanceOf(CacheUploadException.class).hasMessageContaining("its reference " + outside.path());
        assertThat(store.puts()).isEmpty();

        writer.write(outside, new ByteArrayInputStream(nars.get(outside.path())));
        assertThat(writer.upload(List.of(other, top), this::open).uploaded()).hasSize(2);
    }

    @Test
    void aNarThatDoesNotMatchItsHashOrSizeIsNotUploaded() throws Exception {
        ValidPathInfo leaf = path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-leaf", "the real contents");
        BinaryCacheWriter writer = writer(NarCompression.XZ);
        byte[] nar = nars.get(leaf.path());
        byte[] tampered = nar.clone();
        tampered[tampered.length - 20] ^= 1;
        assertThatThrownBy(() -> writer.write(leaf, new ByteArrayInputStream(tampered)))
                .isInstanceOf(CacheUploadException.class).hasMessageContaining("hashes to")
                .hasMessageContaining(leaf.narHash().toString());
        byte[] shortNar = java.util.Arrays.copyOf(nar, nar.length - 8);
        assertThatThrownBy(() -> writer.write(leaf, new ByteArrayInputStream(shortNar)))
                .isInstanceOf(CacheUploadException.class)
                .hasMessageContaining("ended after " + shortNar.length + " of its " + nar.length + " bytes");
        assertThat(store.puts()).containsOnly("nix-cache-info");
        assertThat(tmp).isEmptyDirectory();

        // a longer stream (the rest of a protocol session) is read only up to narSize
        byte[] longer = java.util.Arrays.copyOf(nar, nar.length + 100);
        assertThat(writer.write(leaf, new ByteArrayInputStream(longer)).narSize()).isEqualTo(nar.length);
    }

    @Test
    void aNarTheCacheAlreadyHoldsIsNotSentAgain() throws Exception {
        ValidPathInfo leaf = path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-leaf", "same bytes");
        BinaryCacheWriter writer = writer(NarCompression.NONE);
        NarInfo first = writer.write(leaf, new ByteArrayInputStream(nars.get(leaf.path())));
        store.log.clear();
        writer.write(leaf, new ByteArrayInputStream(nars.get(leaf.path())));
        assertThat(store.puts()).containsExactly(NarInfo.key(leaf.path()));
        assertThat(first.url()).endsWith(".nar");
    }

    private BinaryCacheWriter writer(NarCompression compression) {
        return new BinaryCacheWriter(store, key, compression, tmp);
    }

    private InputStream open(StorePath path) {
        return new ByteArrayInputStream(nars.get(path));
    }

    /** A path whose NAR is one file with {@code contents}, and its info as a store would report it. */
    private ValidPathInfo path(String baseName, String contents, StorePath... refs) throws Exception {
        StorePath path = StorePath.parseBaseName(baseName);
        Path file = Files.writeString(Files.createTempFile("nar-src", ""), contents);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(file, out);
        Files.delete(file);
        byte[] nar = out.toByteArray();
        nars.put(path, nar);
        StorePath deriver = StorePath.parseBaseName("dddddddddddddddddddddddddddddddd-" + path.name() + ".drv");
        return new ValidPathInfo(path, deriver, NixHash.sha256Of(nar), List.of(refs), 0, nar.length, false,
                List.of(), "");
    }
}
