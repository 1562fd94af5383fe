package dev.nixpool.cache;

import java.net.URI;
import java.util.Map;

/**
 * Where an {@code s3://bucket?region=..&endpoint=..&scheme=..} cache is, with Nix's parameter names: the region
 * (default us-east-1, as Nix's), and for S3-compatible servers (MinIO, Ceph, R2, s3rver) an endpoint, either a full
 * URL or a host[:port] completed with {@code scheme} (default https). A custom endpoint is addressed path-style
 * ({@code endpoint/bucket/key}), which every S3-compatible server understands.
 */
public record S3Location(String bucket, String region, URI endpoint) {

    public static S3Location of(String bucket, Map<String, String> params) {
        if (bucket == null || bucket.isEmpty()) {
            throw new IllegalArgumentException("an s3:// cache URI needs a bucket: s3://BUCKET?region=...");
        }
        String region = params.getOrDefault("region", "us-east-1");
        String endpoint = params.get("endpoint");
        URI uri = null;
        if (endpoint != null && !endpoint.isEmpty()) {
            uri = URI.create(
                    endpoint.contains("://") ? endpoint : params.getOrDefault("scheme", "https") + "://" + endpoint);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException("an S3 endpoint is http(s), got '" + uri.getScheme() + "'");
            }
            if (uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("put S3 credentials in the credentials Secret, not in the endpoint");
            }
        }
        return new S3Location(bucket, region, uri);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "?region=" + region + (endpoint == null ? "" : "&endpoint=" + endpoint);
    }
}
