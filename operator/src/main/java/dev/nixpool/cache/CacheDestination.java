package dev.nixpool.cache;

import java.util.Objects;

import dev.nixpool.nix.cache.NarCompression;
import dev.nixpool.nix.cache.NixSecretKey;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;

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
    private final BuilderCredentials ssh;

    public CacheDestination(CacheUri uri, NarCompression compression, NixSecretKey key, S3Credentials s3,
            HttpCredentials http) {
        this.uri = Objects.requireNonNull(uri, "uri");
        this.compression = Objects.requireNonNull(compression, "compression");
        this.key = Objects.requireNonNull(key, "key");
        this.s3 = s3;
        this.http = http;
        this.ssh = null;
    }

    /** An ssh:// or ssh-ng:// Nix store, reached with {@code ssh}'s client key and its host key pinned. */
    public CacheDestination(CacheUri uri, NixSecretKey key, BuilderCredentials ssh) {
        if (!uri.isNixStore()) {
            throw new IllegalArgumentException("not an ssh:// or ssh-ng:// destination: " + uri);
        }
        this.uri = uri;
        this.compression = NarCompression.NONE;
        this.key = Objects.requireNonNull(key, "key");
        this.s3 = null;
        this.http = null;
        this.ssh = Objects.requireNonNull(ssh, "ssh");
    }

    /** ssh://: a Nix store reached over the serve protocol. */
    public boolean isSshStore() {
        return uri.isSshStore();
    }

    /** ssh-ng://: a Nix store reached through its daemon's worker protocol. */
    public boolean isDaemonStore() {
        return uri.isDaemonStore();
    }

    /** Of an ssh:// store: where to log in. */
    public BuilderAddress sshAddress() {
        return new BuilderAddress(uri.sshHost(), uri.sshPort(), uri.sshUser());
    }

    /** Of an ssh:// or ssh-ng:// store: the client key and the pinned host key. */
    public BuilderCredentials sshCredentials() {
        return ssh;
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

    /** Opens the destination's binary cache (not for an ssh:// or ssh-ng:// store); the caller closes it. */
    public CacheStore open() {
        if (ssh != null) {
            throw new IllegalStateException(
                    "an " + uri.scheme() + ":// destination is a Nix store, not a binary cache");
        }
        return CacheStores.open(uri, s3, http);
    }

    @Override
    public String toString() {
        return "CacheDestination[" + uri + ", " + compression.nixName() + ", signed by " + key.name() + "]";
    }
}
