package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;

/**
 * The writer into an http cache that takes PUTs (a JDK HttpServer on loopback requiring an Authorization header):
 * the closure lands by PUT and a fresh Nix store that requires signatures substitutes it from the same server; a
 * refused upload carries the server's answer and never the credential.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpCacheStoreIT {

    private BuiltClosure built;

    @BeforeAll
    void build() throws Exception {
        built = BuiltClosure.build("http-cache");
    }

    @AfterAll
    void remove() throws Exception {
        if (built != null) {
            built.close();
        }
    }

    @Test
    void uploadsByPutAndNixSubstitutesFromTheSameServer() throws Exception {
        HttpCredentials credentials = HttpCredentials.bearer("upload-token-7f3a9c");
        Path root = Files.createDirectories(built.store.workDir().resolve("http-root"));
        try (LoopbackHttpCache server = LoopbackHttpCache.acceptingPuts(root, credentials.authorization());
                LocalNixStore fresh = LocalNixStore.create("http-cache-fresh")) {
            CacheUri uri = CacheUri.parse(server.url() + "/team-cache?compression=zstd");
            UploadReport report;
            try (CacheStore store = CacheStores.open(uri, null, credentials)) {
                report = new BinaryCacheWriter(store, built.secretKey, uri.compression(), built.store.workDir())
                        .upload(built.closure, built.narSource());
            }
            assertThat(report.uploaded()).hasSize(2);
            NarInfo top = report.uploaded().get(1);
            assertThat(server.requests).containsSubsequence("PUT team-cache/nix-cache-info",
                    "PUT team-cache/" + top.url(), "PUT team-cache/" + NarInfo.key(built.output));
            assertThat(Files.exists(root.resolve("team-cache").resolve(NarInfo.key(built.output)))).isTrue();

            String cache = server.url() + "/team-cache";
            ProcessResult realise = fresh.run("nix-store", "--realise", built.output.toString(), "--option",
                    "substituters", cache, "--option", "trusted-public-keys", built.publicKey.toString(), "--option",
                    "require-sigs", "true");
            realise.requireSuccess("nix-store --realise from " + cache);
            assertThat(Files.readString(fresh.realPath(built.output)))
                    .isEqualTo(Files.readString(built.store.realPath(built.output)));
            assertThat(fresh.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                    built.publicKey.toString(), "--store", cache, "-r", built.output.toString()).exitCode()).isZero();
        }
    }

    @Test
    void aRefusedPutCarriesTheServersAnswerAndNotTheCredential() throws Exception {
        Path root = Files.createDirectories(built.store.workDir().resolve("http-refusing"));
        try (LoopbackHttpCache server = LoopbackHttpCache.acceptingPuts(root, "Bearer the-right-token")) {
            HttpCredentials wrong = HttpCredentials.bearer("a-wrong-token-5566");
            try (CacheStore store = new HttpCacheStore(URI.create(server.url() + "/c"), wrong)) {
                BinaryCacheWriter writer = new BinaryCacheWriter(store, built.secretKey,
                        CacheUri.parse("http://x/").compression(), built.store.workDir());
                assertThatThrownBy(() -> writer.upload(built.closure, built.narSource()))
                        .isInstanceOf(CacheStoreException.class).hasMessageContaining("HTTP 401")
                        .hasMessageContaining("upload refused: invalid credentials for this cache")
                        .hasMessageContaining(server.url() + "/c").hasMessageNotContaining("a-wrong-token-5566");
            }
            assertThat(root).isEmptyDirectory();
        }
    }

    @Test
    void anUnreachableCacheSaysSo() throws Exception {
        Path root = Files.createDirectories(built.store.workDir().resolve("http-gone"));
        String url;
        try (LoopbackHttpCache server = LoopbackHttpCache.serving(root)) {
            url = server.url();
        }
        try (CacheStore store = new HttpCacheStore(URI.create(url), HttpCredentials.bearer("tok-998877"))) {
            assertThatThrownBy(() -> store.exists("nix-cache-info")).isInstanceOf(CacheStoreException.class)
                    .hasMessageContaining(url).hasMessageContaining("HEAD nix-cache-info failed")
                    .hasMessageNotContaining("tok-998877");
        }
    }
}
