package dev.nixpool.local.apiserver;

/** One write to the store: the request path and the object before and after (null when absent), as JSON text. */
record StoreChange(String path, String before, String after) {
}
