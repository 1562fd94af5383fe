package dev.nixpool.nix.cache;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Collection;

/**
 * A Nix binary-cache public key, {@code name:base64(32 bytes)} as in {@code trusted-public-keys}. Verifies as Nix's
 * verifyDetached does: a signature counts only if its name is this key's name and it is a valid Ed25519 signature of
 * the fingerprint.
 */
public final class NixPublicKey {

    private final String name;
    private final byte[] raw;
    private final PublicKey jdkKey;

    private NixPublicKey(String name, byte[] raw, PublicKey jdkKey) {
        this.name = name;
        this.raw = raw.clone();
        this.jdkKey = jdkKey;
    }

    public static NixPublicKey parse(String text) throws CacheKeyException {
        KeyText key = KeyText.parse(text, "public key", Ed25519.PUBLIC_BYTES);
        return of(key.name(), key.bytes());
    }

    static NixPublicKey of(String name, byte[] raw) throws CacheKeyException {
        try {
            return new NixPublicKey(name, raw, Ed25519.publicKey(raw));
        } catch (GeneralSecurityException e) {
            throw new CacheKeyException("the public key '" + KeyText.printableName(name)
                    + "' is not an Ed25519 point: " + e.getClass().getSimpleName());
        }
    }

    public String name() {
        return name;
    }

    PublicKey jdkKey() {
        return jdkKey;
    }

    /** True if {@code sig} ({@code name:base64}) is this key's valid signature of {@code fingerprint}. */
    public boolean verifies(String fingerprint, String sig) {
        int colon = sig.indexOf(':');
        if (colon < 0 || !sig.substring(0, colon).equals(name)) {
            return false;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(sig.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (bytes.length != Ed25519.SIGNATURE_BYTES) {
            return false;
        }
        try {
            return Ed25519.verify(jdkKey, fingerprint.getBytes(StandardCharsets.UTF_8), bytes);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** True if any of the narinfo's signatures is this key's valid signature of its fingerprint. */
    public boolean verifies(NarInfo info) {
        String fingerprint = info.fingerprint();
        return info.sigs().stream().anyMatch(sig -> verifies(fingerprint, sig));
    }

    /** How many of {@code keys} have a valid signature on the narinfo: what {@code --sigs-needed} counts. */
    public static long validSignatures(NarInfo info, Collection<NixPublicKey> keys) {
        return keys.stream().filter(k -> k.verifies(info)).count();
    }

    @Override
    public String toString() {
        return name + ":" + Base64.getEncoder().encodeToString(raw);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NixPublicKey k && k.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
