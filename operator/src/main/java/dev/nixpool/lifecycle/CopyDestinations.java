package dev.nixpool.lifecycle;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Secret;

import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.cache.CacheDestination;
import dev.nixpool.cache.CacheUri;
import dev.nixpool.cache.HttpCredentials;
import dev.nixpool.cache.S3Credentials;
import dev.nixpool.nix.cache.CacheKeyException;
import dev.nixpool.nix.cache.NarCompression;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.remote.BuilderCredentials;

/**
 * Where a build's outputs go, and with what: the build's own {@code spec.copyTo}, else its pool's; the signing key and
 * the destination's credentials read from their Secrets by the operator (builders never get them). Messages name
 * Secrets and entries, never what they hold.
 */
@ApplicationScoped
public class CopyDestinations {

    /** Credentials Secret entries, by destination kind. */
    static final String S3_ACCESS_KEY_ID = "accessKeyId";
    static final String S3_SECRET_ACCESS_KEY = "secretAccessKey";
    static final String S3_SESSION_TOKEN = "sessionToken";
    static final String HTTP_AUTHORIZATION = "authorization";
    static final String HTTP_TOKEN = "token";
    static final String HTTP_USERNAME = "username";
    static final String HTTP_PASSWORD = "password";
    static final String SSH_PRIVATE_KEY = "sshPrivateKey";
    static final String SSH_HOST_KEY = "sshHostKey";

    private final BuilderResources resources;

    public CopyDestinations(BuilderResources resources) {
        this.resources = resources;
    }

    /** What the build copies to, if anything: its own copyTo, else its pool's (the pool it was scheduled on). */
    static Optional<CopyTo> copyTo(StepContext context) {
        CopyTo own = context.build().getSpec().getCopyTo();
        if (own != null) {
            return Optional.of(own);
        }
        return context.cluster().snapshot(context.namespace()).machine(context.status().getMachine())
                .map(m -> m.getSpec().getCopyTo());
    }

    /** The destination with its key and credentials, or why it cannot be used (a message for the user). */
    public sealed interface Resolved {

        record Ready(CacheDestination destination) implements Resolved {
        }

        record Unusable(String message) implements Resolved {
        }
    }

    Resolved resolve(String namespace, CopyTo copyTo) {
        CacheUri uri;
        NarCompression compression;
        try {
            uri = CacheUri.parse(copyTo.getUri());
            compression = copyTo.getCompression() != null
                    ? NarCompression.fromNixName(copyTo.getCompression().name())
                    : uri.compression();
        } catch (IllegalArgumentException e) {
            return new Resolved.Unusable("copyTo.uri " + copyTo.getUri() + ": " + e.getMessage());
        }
        if (copyTo.getSigningKeySecretRef() == null) {
            return new Resolved.Unusable("copyTo.signingKeySecretRef is required");
        }
        String keyName = copyTo.getSigningKeySecretRef().getName();
        String keyEntry = copyTo.getSigningKeySecretRef().getKey();
        Optional<String> keyText = entry(namespace, keyName, keyEntry);
        if (keyText.isEmpty()) {
            return new Resolved.Unusable("the signing key Secret " + keyName + " has no entry '" + keyEntry
                    + "' (or does not exist in namespace " + namespace + ")");
        }
        NixSecretKey key;
        try {
            key = NixSecretKey.parse(keyText.get().strip());
        } catch (CacheKeyException e) {
            return new Resolved.Unusable("entry '" + keyEntry + "' of Secret " + keyName + " is not a Nix signing key "
                    + "(name:base64, as nix-store --generate-binary-cache-key writes it): " + e.getMessage());
        }
        String credentials = copyTo.getCredentialsSecretRef() != null
                ? copyTo.getCredentialsSecretRef().getName()
                : null;
        Map<String, String> data = Map.of();
        if (credentials != null) {
            Optional<Map<String, String>> read = secretData(namespace, credentials);
            if (read.isEmpty()) {
                return new Resolved.Unusable("the credentials Secret " + credentials + " does not exist in namespace "
                        + namespace);
            }
            data = read.get();
        }
        try {
            return switch (uri.scheme()) {
                case "s3" -> new Resolved.Ready(new CacheDestination(uri, compression, key, s3(credentials, data),
                        null));
                case "http", "https" -> new Resolved.Ready(new CacheDestination(uri, compression, key, null,
                        http(data)));
                case "ssh", "ssh-ng" -> new Resolved.Ready(new CacheDestination(uri, key, ssh(credentials, data)));
                default -> new Resolved.Ready(new CacheDestination(uri, compression, key, null, null));
            };
        } catch (IllegalArgumentException e) {
            return new Resolved.Unusable("the credentials Secret " + credentials + ": " + e.getMessage());
        }
    }

    private static S3Credentials s3(String secret, Map<String, String> data) {
        if (secret == null) {
            throw new IllegalArgumentException("an s3:// destination needs copyTo.credentialsSecretRef");
        }
        String id = data.get(S3_ACCESS_KEY_ID);
        String key = data.get(S3_SECRET_ACCESS_KEY);
        if (id == null || key == null) {
            throw new IllegalArgumentException("an s3:// destination needs the entries " + S3_ACCESS_KEY_ID + " and "
                    + S3_SECRET_ACCESS_KEY + " (and optionally " + S3_SESSION_TOKEN + ")");
        }
        return new S3Credentials(id.strip(), key.strip(),
                data.get(S3_SESSION_TOKEN) == null ? null : data.get(S3_SESSION_TOKEN).strip());
    }

    private static BuilderCredentials ssh(String secret, Map<String, String> data) {
        if (secret == null || data.get(SSH_PRIVATE_KEY) == null || data.get(SSH_HOST_KEY) == null) {
            throw new IllegalArgumentException(
                    "an ssh:// or ssh-ng:// destination needs copyTo.credentialsSecretRef with the entries "
                            + SSH_PRIVATE_KEY + " (an OpenSSH private key the store's host accepts) and " + SSH_HOST_KEY
                            + " (the host's public key line, pinned: any other host key is refused)");
        }
        return new BuilderCredentials(data.get(SSH_PRIVATE_KEY), data.get(SSH_HOST_KEY).strip());
    }

    private static HttpCredentials http(Map<String, String> data) {
        if (data.containsKey(HTTP_AUTHORIZATION)) {
            return new HttpCredentials(data.get(HTTP_AUTHORIZATION).strip());
        }
        if (data.containsKey(HTTP_TOKEN)) {
            return HttpCredentials.bearer(data.get(HTTP_TOKEN).strip());
        }
        if (data.containsKey(HTTP_USERNAME) && data.containsKey(HTTP_PASSWORD)) {
            return HttpCredentials.basic(data.get(HTTP_USERNAME).strip(), data.get(HTTP_PASSWORD).strip());
        }
        if (!data.isEmpty()) {
            throw new IllegalArgumentException("an http(s):// destination takes the entry " + HTTP_AUTHORIZATION
                    + ", or " + HTTP_TOKEN + ", or " + HTTP_USERNAME + " and " + HTTP_PASSWORD);
        }
        return null;
    }

    private Optional<String> entry(String namespace, String secret, String key) {
        return secretData(namespace, secret).map(d -> d.get(key));
    }

    /** A Secret's entries, decoded (data) or as given (stringData of an object not yet normalized). */
    private Optional<Map<String, String>> secretData(String namespace, String name) {
        return resources.secret(namespace, name).map(CopyDestinations::decode);
    }

    private static Map<String, String> decode(Secret secret) {
        Map<String, String> out = new HashMap<>();
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> {
                try {
                    out.put(k, new String(Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // an entry that is not base64 is skipped: it then reads as missing, with the entry named
                }
            });
        }
        return out;
    }
}
