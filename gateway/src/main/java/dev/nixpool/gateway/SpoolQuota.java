package dev.nixpool.gateway;

import java.util.concurrent.atomic.AtomicLong;

/** The disk all connections' spools may use together; a connection reserves a NAR's size before it reads the NAR. */
public final class SpoolQuota {

    private final long max;
    private final AtomicLong used = new AtomicLong();

    public SpoolQuota(long max) {
        this.max = max;
    }

    /** True (and reserved) if {@code bytes} more fit. */
    public boolean reserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > max || now + bytes < 0) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    public void release(long bytes) {
        used.addAndGet(-bytes);
    }

    public long used() {
        return used.get();
    }
}
