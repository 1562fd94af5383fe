package dev.nixpool.cache;

import java.net.URI;
import java.nio.file.Path;

/** Opens the {@link CacheStore} a {@link CacheUri} names, with the credentials its kind takes. */
public final class CacheStores {

    private CacheStores() {
    }

    /**
     * {@code s3Credentials} is required for s3://; {@code httpCredentials} is optional for http(s):// (a cache may
     * take anonymous PUTs); file:// takes none.
     */
    public static CacheStore open(CacheUri uri, S3Credentials s3Credentials, HttpCredentials httpCredentials) {
        return switch (uri.scheme()) {
            case "file" -> new FileCacheStore(Path.of(uri.path()));
            case "s3" -> {
                if (s3Credentials == null) {
                    throw new IllegalArgumentException("an s3:// cache needs credentials (access key id and secret)");
                }
                yield new S3CacheStore(S3Location.of(uri.authority(), uri.params()), s3Credentials);
            }
            case "http", "https" -> new HttpCacheStore(URI.create(uri.scheme() + "://" + uri.authority() + uri.path()),
                    httpCredentials);
            default -> throw new IllegalArgumentException("unsupported binary cache URI scheme '" + uri.scheme() + "'");
        };
    }
}
