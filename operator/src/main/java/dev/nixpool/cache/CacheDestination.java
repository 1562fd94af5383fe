package dev.nixpool.cache;

import java.util.Objects;

import dev.nixpool.nix.cache.NarCompression;
import dev.nixpool.nix.cache.NixSecretKey;

/**
 * A copyTo destination with what the operator read from its Secrets: the store URI, the compression, the signing key
 * and the destination's credentials (null where it takes none). toString names the URI and the key's name only.
 */
public final class CacheDestination {

    private final CacheUri uri;
    private final NarCompression compression;
    private final NixSecretKey key;
    private final S3Credentials s3;
    private final HttpCredentials http;

    public CacheDestination(CacheUri uri, NarCompression compression, NixSecretKey key, S3Credentials s3,
            HttpCredentials http) {
        this.uri = Objects.requireNonNull(uri, "uri");
        this.compression = Objects.requireNonNull(compression, "compression");
        this.key = Objects.requireNonNull(key, "key");
        this.s3 = s3;
        this.http = http;
    }

    public CacheUri uri() {
        return uri;
    }

    public NarCompression compression() {
        return compression;
    }

    public NixSecretKey key() {
        return key;
    }

    /** Opens the destination's store; the caller closes it. */
    public CacheStore open() {
        return CacheStores.open(uri, s3, http);
    }

    @Override
    public String toString() {
        return "CacheDestination[" + uri + ", " + compression.nixName() + ", signed by " + key.name() + "]";
    }
}
