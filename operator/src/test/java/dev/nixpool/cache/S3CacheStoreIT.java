package dev.nixpool.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nixpool.nix.cache.NarCompression;
import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.cache.NarInfoParser;
import dev.nixpool.nix.cache.NixCacheInfo;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.testing.ClientStoreHelper;
import dev.nixpool.nix.testing.LocalNixStore;
import dev.nixpool.nix.testing.ProcessResult;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * The writer into an s3:// cache on a real S3-compatible server (s3rver on loopback): the objects read back through
 * S3 are the cache Nix expects, Nix substitutes the closure from the bucket over plain HTTP with signatures required,
 * and a destination that refuses (wrong credentials, missing bucket) fails with the server's own message and no
 * secret in it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3CacheStoreIT {

    private static final String BUCKET = "nix-cache";

    private BuiltClosure built;
    private S3rver s3;

    @BeforeAll
    void start() throws Exception {
        built = BuiltClosure.build("s3-cache");
        s3 = S3rver.start(BUCKET);
    }

    @AfterAll
    void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (built != null) {
            built.close();
        }
    }

    @Test
    void uploadsAClosureThatReadsBackThroughS3AndSubstitutesInNix() throws Exception {
        CacheUri uri = CacheUri.parse("s3://" + BUCKET + "?region=eu-central-1&endpoint=" + s3.endpoint());
        UploadReport report;
        try (CacheStore store = CacheStores.open(uri,
                new S3Credentials(S3rver.ACCESS_KEY_ID, S3rver.SECRET_ACCESS_KEY, null), null)) {
            BinaryCacheWriter writer = new BinaryCacheWriter(store, built.secretKey, uri.compression(),
                    built.store.workDir());
            assertThat(writer.has(built.output)).isFalse();
            report = writer.upload(built.closure, built.narSource());
            assertThat(writer.has(built.output)).isTrue();
            assertThat(writer.upload(built.closure, built.narSource()).uploaded()).as("a second upload").isEmpty();
        }
        assertThat(report.uploaded()).hasSize(2);

        try (S3Client reader = client(S3rver.ACCESS_KEY_ID, S3rver.SECRET_ACCESS_KEY)) {
            assertThat(NixCacheInfo.parse(get(reader, NixCacheInfo.KEY))).isEqualTo(NixCacheInfo.ofStoreDir());
            for (ValidPathInfo info : built.closure) {
                NarInfo narInfo = NarInfoParser.parse(get(reader, NarInfo.key(info.path())), info.path());
                assertThat(narInfo.narHash()).isEqualTo(info.narHash());
                assertThat(narInfo.references()).isEqualTo(info.references());
                assertThat(built.publicKey.verifies(narInfo)).isTrue();
                byte[] file = reader.getObjectAsBytes(
                        GetObjectRequest.builder().bucket(BUCKET).key(narInfo.url()).build()).asByteArray();
                assertThat(NixHash.sha256Of(file)).isEqualTo(narInfo.fileHash());
                try (InputStream nar = NarCompressors.decompress(NarCompression.XZ, new ByteArrayInputStream(file))) {
                    assertThat(nar.readAllBytes()).isEqualTo(ClientStoreHelper.nar(built.store, info.path()));
                }
            }
        }

        // s3rver serves path-style GETs anonymously: Nix reads the bucket as an http binary cache
        String httpCache = s3.endpoint() + "/" + BUCKET;
        try (LocalNixStore fresh = LocalNixStore.create("s3-cache-fresh")) {
            ProcessResult realise = fresh.run("nix-store", "--realise", built.output.toString(), "--option",
                    "substituters", httpCache, "--option", "trusted-public-keys", built.publicKey.toString(),
                    "--option", "require-sigs", "true");
            realise.requireSuccess("nix-store --realise from " + httpCache);
            assertThat(Files.readString(fresh.realPath(built.output)))
                    .isEqualTo(Files.readString(built.store.realPath(built.output)));
            assertThat(fresh.run("nix", "store", "verify", "--sigs-needed", "1", "--trusted-public-keys",
                    built.publicKey.toString(), "--store", httpCache, "-r", built.output.toString()).exitCode())
                    .isZero();
        }
    }

    @Test
    void wrongCredentialsFailWithTheServersMessageAndNoSecret() throws Exception {
        String secret = "wrong-secret-0123456789abcdef";
        String keyId = "NIXPOOLWRONGKEYID0001";
        CacheUri uri = CacheUri.parse("s3://" + BUCKET + "?endpoint=" + s3.endpoint());
        try (CacheStore store = CacheStores.open(uri, new S3Credentials(keyId, secret, null), null)) {
            BinaryCacheWriter writer = new BinaryCacheWriter(store, built.secretKey, NarCompression.XZ,
                    built.store.workDir());
            assertThatThrownBy(() -> writer.upload(built.closure, built.narSource()))
                    .isInstanceOf(CacheStoreException.class)
                    .hasMessageContaining("InvalidAccessKeyId")
                    .hasMessageContaining("The AWS Access Key Id you provided does not exist in our records")
                    .hasMessageContaining("s3://" + BUCKET)
                    .hasMessageNotContaining(secret).hasMessageNotContaining(keyId);
        }
    }

    @Test
    void aMissingBucketFailsWithTheServersMessage() throws Exception {
        CacheUri uri = CacheUri.parse("s3://no-such-bucket?endpoint=" + s3.endpoint());
        try (CacheStore store = CacheStores.open(uri,
                new S3Credentials(S3rver.ACCESS_KEY_ID, S3rver.SECRET_ACCESS_KEY, null), null)) {
            BinaryCacheWriter writer = new BinaryCacheWriter(store, built.secretKey, NarCompression.XZ,
                    built.store.workDir());
            assertThatThrownBy(() -> writer.upload(built.closure, built.narSource()))
                    .isInstanceOf(CacheStoreException.class).hasMessageContaining("NoSuchBucket")
                    .hasMessageContaining("The specified bucket does not exist")
                    .hasMessageNotContaining(S3rver.SECRET_ACCESS_KEY);
        }
    }

    private S3Client client(String keyId, String secret) {
        return S3Client.builder().region(Region.US_EAST_1).endpointOverride(s3.endpoint()).forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId, secret)))
                .build();
    }

    private static String get(S3Client client, String key) {
        return client.getObjectAsBytes(GetObjectRequest.builder().bucket(BUCKET).key(key).build())
                .asString(StandardCharsets.UTF_8);
    }

}
