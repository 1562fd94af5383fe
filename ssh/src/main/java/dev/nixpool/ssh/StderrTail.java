package dev.nixpool.ssh;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps the last lines a remote command printed on stderr (for error messages) and passes every line on. Lines come
 * from MINA's I/O threads, so it is thread-safe; the bound keeps a chatty remote from growing memory.
 */
public final class StderrTail implements Consumer<String> {

    public static final int KEPT_LINES = 200;

    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final Consumer<String> next;

    public StderrTail(Consumer<String> next) {
        this.next = next;
    }

    @Override
    public void accept(String line) {
        synchronized (lines) {
            if (lines.size() == KEPT_LINES) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }
        next.accept(line);
    }

    /** The lines kept so far, oldest first. */
    public List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    /** Forgets the lines kept so far, so that {@link #lines()} holds what the next request prints. */
    public void clear() {
        synchronized (lines) {
            lines.clear();
        }
    }
}
