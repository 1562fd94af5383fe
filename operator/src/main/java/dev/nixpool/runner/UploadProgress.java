package dev.nixpool.runner;

import java.util.Optional;

/**
 * What an upload has got to, as the reconcile sees it.
 *
 * @param attempt the attempt in progress (or the last one)
 * @param lastError why the previous attempt failed; null before any failure
 * @param result empty while uploading
 */
public record UploadProgress(int attempt, String lastError, Optional<UploadResult> result) {
}
