package dev.nixpool.runner;

/**
 * Told, on the upload's thread, when an upload's progress changed (an attempt failed and another follows, or it
 * ended), after its progress shows it. It should only hand the news on, never wait.
 */
@FunctionalInterface
public interface UploadListener {

    void progressed(UploadRequest request);
}
