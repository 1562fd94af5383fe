package dev.nixpool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A thread-to-thread pipe passing 64 KiB blocks through a bounded queue; java.io's PipedStreams move 1 KiB at a time
 * and would measure themselves rather than the codec.
 */
final class BlockPipe {

    private static final byte[] END = new byte[0];
    private static final int BLOCK = 64 * 1024;

    private final BlockingQueue<byte[]> queue;
    private volatile IOException failure;

    BlockPipe(int blocks) {
        queue = new ArrayBlockingQueue<>(blocks);
    }

    void fail(IOException e) {
        failure = e;
        queue.offer(END);
    }

    OutputStream output() {
        return new OutputStream() {
            private final byte[] buf = new byte[BLOCK];
            private int n;

            @Override
            public void write(int b) throws IOException {
                buf[n++] = (byte) b;
                if (n == BLOCK) {
                    flush();
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int k = Math.min(len, BLOCK - n);
                    System.arraycopy(b, off, buf, n, k);
                    n += k;
                    off += k;
                    len -= k;
                    if (n == BLOCK) {
                        flush();
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                if (n > 0) {
                    put(Arrays.copyOf(buf, n));
                    n = 0;
                }
            }

            @Override
            public void close() throws IOException {
                flush();
                put(END);
            }
        };
    }

    InputStream input() {
        return new InputStream() {
            private byte[] current = new byte[0];
            private int pos;
            private boolean ended;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                while (pos == current.length) {
                    if (ended) {
                        return -1;
                    }
                    current = take();
                    pos = 0;
                    if (current == END) {
                        ended = true;
                        if (failure != null) {
                            throw failure;
                        }
                    }
                }
                int k = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, k);
                pos += k;
                return k;
            }
        };
    }

    private void put(byte[] block) throws IOException {
        try {
            queue.put(block);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private byte[] take() throws IOException {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
