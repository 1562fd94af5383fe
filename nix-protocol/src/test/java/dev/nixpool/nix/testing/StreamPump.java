package dev.nixpool.nix.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Drains a process stream on its own thread so the process never blocks on a full pipe. */
public final class StreamPump {

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final Thread thread;

    public StreamPump(InputStream in, String name) {
        thread = new Thread(() -> {
            byte[] b = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(b)) >= 0) {
                    synchronized (buffer) {
                        buffer.write(b, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process went away; what was read so far is kept
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    public byte[] bytes() {
        synchronized (buffer) {
            return buffer.toByteArray();
        }
    }

    public String text() {
        return new String(bytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    public void join(long millis) throws InterruptedException {
        thread.join(millis);
    }
}
