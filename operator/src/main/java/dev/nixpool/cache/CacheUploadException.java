package dev.nixpool.cache;

import java.io.IOException;

/**
 * An upload that must not go ahead or could not finish for a reason on our side: a NAR that does not match its
 * recorded hash or size, a reference that would be missing from the cache.
 */
public class CacheUploadException extends IOException {

    public CacheUploadException(String message) {
        super(message);
    }
}
