package dev.nixpool.gateway;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * Where one spooled NAR's bytes go. A large NAR is written with O_DIRECT from an aligned buffer of the connection's
 * own: profiled on a 1 GiB upload, writing the spool through the page cache was a quarter of the gateway's CPU (the
 * kernel copying every byte into freshly allocated cache pages, after the JDK had copied it into a temporary native
 * buffer), more than both AES-GCM legs of the relay together, for a file that is read again only when the build lands
 * on another builder than the one the upload streamed to. Direct writes hand the buffer to the disk instead. A small
 * NAR (most of a closure) and a file system without O_DIRECT (tmpfs before Linux 6.6, some overlay set-ups) take the
 * page cache as before.
 */
final class SpoolFile {

    /** NARs at least this large are written directly; below, the page cache's copy costs little. */
    static final long DIRECT_FROM = 1024 * 1024;
    /** One direct write: large enough that the disk, not the call, sets the pace. */
    static final int DIRECT_CHUNK = 512 * 1024;
    /**
     * O_DIRECT wants buffer address, file offset and length aligned (the JDK checks them against the file system's
     * block size): at least 4 KiB, the usual logical block of a disk.
     */
    static final int MIN_ALIGN = 4096;

    private static final int BUFFERED = 64 * 1024;

    private ByteBuffer directBuffer;
    private int align;

    /**
     * Opens {@code file} (created or truncated) for a NAR of {@code size} bytes. The direct buffer is allocated at the
     * first large NAR and reused for the next ones: one per connection, not one per NAR.
     */
    OutputStream open(Path file, long size) throws IOException {
        if (size >= DIRECT_FROM && alignment(file) > 0) {
            FileChannel channel = openDirect(file);
            if (channel != null) {
                if (directBuffer == null) {
                    directBuffer = ByteBuffer.allocateDirect(DIRECT_CHUNK + align).alignedSlice(align);
                }
                return new Direct(channel, directBuffer, align);
            }
        }
        return new BufferedOutputStream(Files.newOutputStream(file), BUFFERED);
    }

    /** The alignment direct writes in {@code file}'s directory need; 0 when they are not to be tried there. */
    private int alignment(Path file) {
        if (align == 0) {
            long block;
            try {
                block = Files.getFileStore(file.getParent()).getBlockSize();
            } catch (IOException | UnsupportedOperationException e) {
                block = -1;
            }
            boolean usable = block > 0 && Long.bitCount(block) == 1 && block <= DIRECT_CHUNK;
            align = usable ? (int) Math.max(block, MIN_ALIGN) : -1;
        }
        return align;
    }

    private static FileChannel openDirect(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            // the file system refuses O_DIRECT (EINVAL at open): the page cache it is
            return null;
        }
    }

    /**
     * Whole aligned chunks go out as they fill; at close the last partial chunk is written padded to the alignment and
     * the file cut back to the bytes written, so the file holds exactly what was written.
     */
    static final class Direct extends OutputStream {

        private final FileChannel channel;
        private final ByteBuffer buffer;
        private final int align;
        private long written;
        private boolean closed;

        Direct(FileChannel channel, ByteBuffer buffer, int align) {
            this.channel = channel;
            this.buffer = buffer;
            this.align = align;
            buffer.clear();
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, buffer.remaining());
                buffer.put(b, off, n);
                off += n;
                len -= n;
                written += n;
                if (!buffer.hasRemaining()) {
                    drainBuffer();
                }
            }
        }

        private void drainBuffer() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try (channel) {
                int tail = buffer.position();
                if (tail > 0) {
                    int padded = (tail + align - 1) / align * align;
                    while (buffer.position() < padded) {
                        buffer.put((byte) 0);
                    }
                    drainBuffer();
                    channel.truncate(written);
                }
            }
        }
    }
}
