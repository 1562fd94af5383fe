package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tukaani.xz.SeekableFileInputStream;
import org.tukaani.xz.SeekableXZInputStream;

import dev.nixpool.nix.cache.NarCompression;
import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.cache.NarInfoParser;
import dev.nixpool.nix.cache.NixCacheInfo;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;

/**
 * The writer into a file:// cache, judged by real Nix: what it writes describes each path as {@code nix copy --to
 * file://} does; a fresh store that requires signatures substitutes the closure from it (xz NARs of several blocks,
 * compressed in parallel, read by Nix 2.8's libarchive/liblzma), served by a plain static
 * HTTP server as an http binary cache; {@code nix store verify --sigs-needed 1} accepts it; a store trusting another
 * key refuses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FileCacheAgainstNixIT {

    private BuiltClosure built;

    @BeforeAll
    void build() throws Exception {
        built = BuiltClosure.build("file-cache");
    }

    @AfterAll
    void remove() throws Exception {
        if (built != null) {
            built.close();
        }
    }

    @Test
    void narinfosDescribeThePathsAsNixCopyDoes() throws Exception {
        Path ours = built.store.workDir().resolve("ours");
        Path nix = built.store.workDir().resolve("nix");
        new BinaryCacheWriter(new FileCacheStore(ours), built.secretKey, NarCompression.XZ, built.store.workDir())
                .upload(built.closure, built.narSource());
        built.store.runOk("nix", "copy", "--to", "file://" + nix, built.output.toString());

        for (ValidPathInfo info : built.closure) {
            NarInfo mine = NarInfoParser.parse(Files.readString(ours.resolve(NarInfo.key(info.path()))), info.path());
            NarInfo theirs = NarInfoParser.parse(Files.readString(nix.resolve(NarInfo.key(info.path()))), info.path());
            assertThat(mine.narHash()).isEqualTo(theirs.narHash());
            assertThat(mine.narSize()).isEqualTo(theirs.narSize());
            assertThat(mine.references()).isEqualTo(theirs.references());
            assertThat(mine.deriver()).isEqualTo(theirs.deriver()).isNotNull();
            assertThat(mine.compression()).isEqualTo(theirs.compression()).isEqualTo("xz");
            assertThat(mine.sigs()).hasSize(1);
            assertThat(built.publicKey.verifies(mine)).isTrue();
            assertThat(Files.size(ours.resolve(mine.url()))).isEqualTo(mine.fileSize());
        }
        assertThat(Files.readString(ours.resolve(NixCacheInfo.KEY)))
                .isEqualTo(Files.readString(nix.resolve(NixCacheInfo.KEY)));
        assertThat(built.store.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                built.publicKey.toString(), "--store", "file://" + ours, "-r", built.output.toString()).exitCode())
                .as("nix store verify of the file:// cache").isZero();
    }

    @ParameterizedTest
    @EnumSource(NarCompression.class)
    void aFreshStoreThatRequiresSignaturesSubstitutesTheClosureOverHttp(NarCompression compression)
            throws Exception {
        Path cache = built.store.workDir().resolve("cache-" + compression.nixName());
        // the smallest xz blocks, so the dependency's NAR is a stream of several, compressed on two threads
        UploadReport report = new BinaryCacheWriter(new FileCacheStore(cache), built.secretKey, compression,
                new NarCompressors(2, 1 << 20), built.store.workDir()).upload(built.closure, built.narSource());
        assertThat(report.uploaded()).extracting(NarInfo::storePath).containsExactly(built.dependency(),
                built.output);
        if (compression == NarCompression.XZ) {
            try (SeekableXZInputStream xz = new SeekableXZInputStream(
                    new SeekableFileInputStream(cache.resolve(report.uploaded().get(0).url()).toFile()))) {
                assertThat(xz.getStreamCount()).isEqualTo(1);
                assertThat(xz.getBlockCount()).as("blocks in the dependency's .nar.xz").isGreaterThan(1);
            }
        }

        try (LoopbackHttpCache http = LoopbackHttpCache.serving(cache);
                LocalNixStore fresh = LocalNixStore.create("file-cache-fresh")) {
            ProcessResult realise = fresh.run("nix-store", "--realise", built.output.toString(), "--option",
                    "substituters", http.url(), "--option", "trusted-public-keys", built.publicKey.toString(),
                    "--option", "require-sigs", "true");
            realise.requireSuccess("nix-store --realise from " + http.url());
            assertThat(Files.readString(fresh.realPath(built.output)))
                    .isEqualTo(Files.readString(built.store.realPath(built.output)));
            assertThat(Files.readString(fresh.realPath(built.dependency())))
                    .isEqualTo(Files.readString(built.store.realPath(built.dependency())));
            assertThat(http.requests).contains("GET " + NarInfo.key(built.output),
                    "GET " + report.uploaded().get(1).url());

            assertThat(fresh.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                    built.publicKey.toString(), "--store", http.url(), "-r", built.output.toString()).exitCode())
                    .as("nix store verify against the http cache").isZero();
            assertThat(fresh.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                    built.publicKey.toString(), "-r", built.output.toString()).exitCode())
                    .as("the substituted paths keep our signature").isZero();
        }
    }

    @Test
    void aStoreTrustingAnotherKeyRefusesThePaths() throws Exception {
        Path cache = built.store.workDir().resolve("cache-untrusted");
        new BinaryCacheWriter(new FileCacheStore(cache), built.secretKey, NarCompression.XZ, built.store.workDir())
                .upload(built.closure, built.narSource());
        Path otherKeys = Files.createDirectories(built.store.workDir().resolve("other-keys"));
        built.store.runOk("nix-store", "--generate-binary-cache-key", "someone-else-1",
                otherKeys.resolve("sk").toString(), otherKeys.resolve("pk").toString());
        String otherPk = Files.readString(otherKeys.resolve("pk"), StandardCharsets.UTF_8);

        try (LoopbackHttpCache http = LoopbackHttpCache.serving(cache);
                LocalNixStore fresh = LocalNixStore.create("file-cache-untrusted")) {
            ProcessResult realise = fresh.run("nix-store", "--realise", built.output.toString(), "--option",
                    "substituters", http.url(), "--option", "trusted-public-keys", otherPk, "--option",
                    "require-sigs", "true");
            assertThat(realise.exitCode()).isNotZero();
            assertThat(Files.exists(fresh.realPath(built.output))).isFalse();
            assertThat(fresh.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys", otherPk,
                    "--store", http.url(), built.output.toString()).exitCode()).isNotZero();
        }
    }

    @Test
    void uploadingAgainSendsNothing() throws Exception {
        Path cache = built.store.workDir().resolve("cache-again");
        BinaryCacheWriter writer = new BinaryCacheWriter(new FileCacheStore(cache), built.secretKey,
                NarCompression.XZ, built.store.workDir());
        writer.upload(built.closure.subList(0, 1), built.narSource());
        UploadReport report = writer.upload(built.closure, built.narSource());
        assertThat(report.alreadyPresent()).containsExactly(built.closure.get(0).path());
        assertThat(report.uploaded()).hasSize(1);
        UploadReport again = writer.upload(built.closure, built.narSource());
        assertThat(again.uploaded()).isEmpty();
        assertThat(again.alreadyPresent()).extracting(StorePath::toString).hasSize(2);
    }
}
