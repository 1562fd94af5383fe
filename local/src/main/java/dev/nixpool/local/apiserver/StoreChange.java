package dev.nixpool.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One write to the store: the request path and the object before and after (null when absent), as JSON text, and as
 * parsed trees when the write had them already (null otherwise; listeners must not modify them).
 */
record StoreChange(String path, String before, String after, JsonNode parsedBefore, JsonNode parsedAfter) {

    StoreChange(String path, String before, String after) {
        this(path, before, after, null, null);
    }
}
