package dev.nixpool.remote.ssh;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.nixpool.remote.LogSink;

/**
 * A build's log sink that counts what passes: past {@code limit} bytes it drops the rest and runs {@code onExceeded}
 * once (closing the serve channel, which stops the remote build). Lines arrive on MINA's I/O threads; the counters are
 * atomic for that.
 */
final class LogBudget implements LogSink {

    private final LogSink sink;
    private final long limit;
    private final Runnable onExceeded;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicBoolean exceeded = new AtomicBoolean();

    LogBudget(LogSink sink, long limit, Runnable onExceeded) {
        this.sink = sink;
        this.limit = limit;
        this.onExceeded = onExceeded;
    }

    @Override
    public void line(String line) {
        if (exceeded.get()) {
            return;
        }
        // UTF-8 length without encoding: a char is at most 3 bytes, a surrogate pair 4
        long size = utf8Length(line) + 1;
        if (bytes.addAndGet(size) > limit) {
            if (exceeded.compareAndSet(false, true)) {
                onExceeded.run();
            }
            return;
        }
        RemoteCommands.deliver(sink, line);
    }

    boolean exceeded() {
        return exceeded.get();
    }

    long limit() {
        return limit;
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
