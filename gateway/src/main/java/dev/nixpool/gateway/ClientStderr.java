package dev.nixpool.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client's stderr, written by a thread of its own: builder log lines arrive on MINA's I/O threads, which must not
 * wait for the client's SSH window. At most {@link #CAPACITY} lines wait; beyond that lines are dropped (and counted),
 * so a client that stops reading costs bounded memory.
 */
public final class ClientStderr implements AutoCloseable {

    static final int CAPACITY = 4096;
    private static final String END = new String("end");

    private final OutputStream err;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;

    public ClientStderr(OutputStream err, String threadName) {
        this.err = err;
        this.writer = new Thread(this::drain, threadName);
        writer.setDaemon(true);
        writer.start();
    }

    public void line(String line) {
        if (!lines.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    public long dropped() {
        return dropped.get();
    }

    private void drain() {
        try {
            while (true) {
                String line = lines.take();
                if (line == END) {
                    return;
                }
                err.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                if (lines.isEmpty()) {
                    err.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client is gone: nothing left to tell it
            lines.clear();
        }
    }

    /** Writes what is queued (waiting up to {@code millis}), then stops. */
    public void close(long millis) {
        try {
            if (lines.offer(END, millis, TimeUnit.MILLISECONDS)) {
                writer.join(millis);
            }
            err.flush();
        } catch (IOException e) {
            // the client is gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.interrupt();
    }

    @Override
    public void close() {
        close(5000);
    }
}
