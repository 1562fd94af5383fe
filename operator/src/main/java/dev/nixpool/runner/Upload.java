package dev.nixpool.runner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.nixpool.remote.BuilderSession;

/**
 * One dispatched upload: its progress, written by its worker thread and read by reconciles, the session it reads the
 * builder with, and the pause between attempts (which a cancel cuts short).
 */
final class Upload {

    private final UploadRequest request;
    private final UploadListener listener;
    private final CountDownLatch cancelledLatch = new CountDownLatch(1);
    private volatile int attempt = 1;
    private volatile String lastError;
    private volatile UploadResult result;
    private final List<Runnable> closers = new ArrayList<>();
    private Future<?> future;

    Upload(UploadRequest request, UploadListener listener) {
        this.request = request;
        this.listener = listener;
    }

    UploadRequest request() {
        return request;
    }

    UploadProgress progress() {
        return new UploadProgress(attempt, lastError, Optional.ofNullable(result));
    }

    /** An attempt failed and another follows after {@code pause}; false when cancelled meanwhile. */
    boolean retryAfter(String error, Duration pause) {
        this.lastError = error;
        this.attempt = attempt + 1;
        tell();
        try {
            return !cancelledLatch.await(pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void finish(UploadResult result) {
        this.result = result;
        tell();
    }

    private void tell() {
        if (!cancelled()) {
            listener.progressed(request);
        }
    }

    boolean cancelled() {
        return cancelledLatch.getCount() == 0;
    }

    synchronized void started(Future<?> future) {
        this.future = future;
        if (cancelled()) {
            future.cancel(true);
        }
    }

    /**
     * Registers an attempt's session (to the builder, or to an ssh:// destination) so that a cancel can close it; false
     * (and the session closed) if cancelled.
     */
    synchronized boolean attach(BuilderSession session) {
        return attach(session::close);
    }

    /** As {@link #attach(BuilderSession)} for any connection, given as what closes it (an ssh-ng:// store's). */
    synchronized boolean attach(Runnable close) {
        if (cancelled()) {
            close.run();
            return false;
        }
        closers.add(close);
        return true;
    }

    /** Ends the upload: its session is closed and a pause between attempts ends at once. */
    void cancel() {
        List<Runnable> open;
        synchronized (this) {
            cancelledLatch.countDown();
            open = List.copyOf(closers);
            if (future != null) {
                future.cancel(false);
            }
        }
        open.forEach(Runnable::run);
    }
}
