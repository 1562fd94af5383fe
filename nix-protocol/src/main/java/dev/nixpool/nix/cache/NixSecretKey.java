package dev.nixpool.nix.cache;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * A Nix binary-cache signing key: {@code name:base64(32-byte Ed25519 seed + 32-byte public key)}, the libsodium layout
 * {@code nix-store --generate-binary-cache-key} writes. Signs fingerprints as Nix's SecretKey::signDetached does:
 * {@code name:base64(64-byte signature)}. The key material stays in here: toString, equals and every error message
 * show the name only.
 */
public final class NixSecretKey {

    private final String name;
    private final PrivateKey privateKey;
    private final NixPublicKey publicKey;

    private NixSecretKey(String name, PrivateKey privateKey, NixPublicKey publicKey) {
        this.name = name;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * Parses a secret key file's text and checks that its public half belongs to its seed, so a truncated or spliced
     * key fails here rather than as signatures nobody can verify.
     */
    public static NixSecretKey parse(String text) throws CacheKeyException {
        KeyText key = KeyText.parse(text, "secret key", Ed25519.SEED_BYTES + Ed25519.PUBLIC_BYTES);
        byte[] seed = Arrays.copyOfRange(key.bytes(), 0, Ed25519.SEED_BYTES);
        byte[] pub = Arrays.copyOfRange(key.bytes(), Ed25519.SEED_BYTES, key.bytes().length);
        Arrays.fill(key.bytes(), (byte) 0);
        try {
            PrivateKey privateKey = Ed25519.privateKey(seed);
            NixPublicKey publicKey = NixPublicKey.of(key.name(), pub);
            byte[] probe = "nixpool key check".getBytes(StandardCharsets.UTF_8);
            if (!Ed25519.verify(publicKey.jdkKey(), probe, Ed25519.sign(privateKey, probe))) {
                throw new CacheKeyException("the secret key '" + KeyText.printableName(key.name())
                        + "' is inconsistent: its public half does not belong to its seed");
            }
            return new NixSecretKey(key.name(), privateKey, publicKey);
        } catch (GeneralSecurityException e) {
            throw new CacheKeyException("the JDK cannot use the secret key '" + KeyText.printableName(key.name())
                    + "' as an Ed25519 key: " + e.getClass().getSimpleName());
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    public String name() {
        return name;
    }

    public NixPublicKey publicKey() {
        return publicKey;
    }

    /** {@code name:base64(signature)} over {@code fingerprint}'s UTF-8 bytes. */
    public String sign(String fingerprint) {
        try {
            byte[] sig = Ed25519.sign(privateKey, fingerprint.getBytes(StandardCharsets.UTF_8));
            return name + ":" + Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed with key '" + KeyText.printableName(name) + "': "
                    + e.getClass().getSimpleName(), e);
        }
    }

    /** The narinfo with this key's signature of its fingerprint added. */
    public NarInfo sign(NarInfo info) {
        return info.withSignature(sign(info.fingerprint()));
    }

    @Override
    public String toString() {
        return "NixSecretKey[" + KeyText.printableName(name) + ", material hidden]";
    }
}
