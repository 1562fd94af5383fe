package dev.nixpool.cache;

/**
 * The keys an S3 destination is written with, given explicitly (from a Secret): the uploader never falls back to the
 * environment, profile files or instance metadata, so it writes only where it was told to with what it was given.
 * {@code sessionToken} may be null. toString shows the access key id's last four characters at most.
 */
public record S3Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {

    public S3Credentials {
        if (accessKeyId == null || accessKeyId.isBlank() || secretAccessKey == null || secretAccessKey.isBlank()) {
            throw new IllegalArgumentException("S3 credentials need an access key id and a secret access key");
        }
    }

    Secrets secrets() {
        return new Secrets(java.util.Arrays.asList(accessKeyId, secretAccessKey, sessionToken));
    }

    @Override
    public String toString() {
        String tail = accessKeyId.length() > 8 ? accessKeyId.substring(accessKeyId.length() - 4) : "";
        return "S3Credentials[accessKeyId=..." + tail + ", secret hidden" + (sessionToken == null ? "" : ", session")
                + "]";
    }
}
