package dev.nixpool.nix.cache;

/**
 * A signing or public key that cannot be used. Its message names the key (the part before the colon, which is public:
 * it is in every signature) but never shows the key material.
 */
public class CacheKeyException extends Exception {

    public CacheKeyException(String message) {
        super(message);
    }

    public CacheKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
