package dev.nixpool.cache;

import java.io.IOException;

/**
 * A destination refused or failed an operation. The message says which destination, what was asked and what the
 * destination answered, with any credential it might echo replaced by {@code ***}.
 */
public class CacheStoreException extends IOException {

    public CacheStoreException(String message) {
        super(message);
    }

    public CacheStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
