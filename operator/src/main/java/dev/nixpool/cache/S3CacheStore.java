package dev.nixpool.cache;

import java.io.IOException;
import java.nio.file.Path;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An {@code s3://} cache on AWS or any S3-compatible server, through the AWS SDK. The client is built from explicit
 * values only: the given credentials, the URI's region and endpoint, an empty profile file; nothing is read from the
 * environment, {@code ~/.aws} or instance metadata. Bodies go as plain PUTs with their SHA-256 signed, checksums only
 * where S3 requires them: the SDK's defaults (aws-chunked bodies with per-chunk signatures, trailing CRC checksums)
 * are not understood by every S3-compatible server (s3rver stores the chunk framing as the object's content).
 */
public final class S3CacheStore implements CacheStore {

    private final S3Location location;
    private final Secrets secrets;
    private final S3Client client;

    public S3CacheStore(S3Location location, S3Credentials credentials) {
        this.location = location;
        this.secrets = credentials.secrets();
        AwsCredentials aws = credentials.sessionToken() == null
                ? AwsBasicCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey())
                : AwsSessionCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey(),
                        credentials.sessionToken());
        var builder = S3Client.builder()
                .region(Region.of(location.region()))
                .credentialsProvider(StaticCredentialsProvider.create(aws))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .overrideConfiguration(c -> c.defaultProfileFile(ProfileFile.aggregator().build())
                        .defaultProfileName("default"));
        if (location.endpoint() != null) {
            builder.endpointOverride(location.endpoint()).forcePathStyle(true);
        }
        this.client = builder.build();
    }

    @Override
    public void put(String key, Path file, String contentType) throws IOException {
        put(key, RequestBody.fromFile(file), contentType);
    }

    @Override
    public void put(String key, byte[] data, String contentType) throws IOException {
        put(key, RequestBody.fromBytes(data), contentType);
    }

    private void put(String key, RequestBody body, String contentType) throws CacheStoreException {
        PutObjectRequest request = PutObjectRequest.builder().bucket(location.bucket())
                .key(CacheStore.checkKey(key)).contentType(contentType).build();
        try {
            client.putObject(request, body);
        } catch (SdkException e) {
            throw failure("PUT " + key, e);
        }
    }

    @Override
    public boolean exists(String key) throws CacheStoreException {
        HeadObjectRequest request = HeadObjectRequest.builder().bucket(location.bucket())
                .key(CacheStore.checkKey(key)).build();
        try {
            client.headObject(request);
            return true;
        } catch (SdkServiceException e) {
            // a HEAD has no body, so a missing key and a hidden one (403 without s3:ListBucket) look alike: as in
            // Nix's S3 store both are "not there", and a real refusal shows in the PUT that follows
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return false;
            }
            throw failure("HEAD " + key, e);
        } catch (SdkException e) {
            throw failure("HEAD " + key, e);
        }
    }

    @Override
    public String location() {
        return location.toString();
    }

    private CacheStoreException failure(String what, SdkException e) {
        String detail;
        if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null) {
            detail = s3.awsErrorDetails().errorCode() + " (HTTP " + s3.statusCode() + "): "
                    + s3.awsErrorDetails().errorMessage();
        } else if (e instanceof SdkServiceException service) {
            detail = "HTTP " + service.statusCode() + ": " + e.getMessage();
        } else {
            detail = e.getMessage();
        }
        return new CacheStoreException(location() + ": " + what + " failed: " + secrets.redact(detail));
    }

    @Override
    public void close() {
        client.close();
    }
}
