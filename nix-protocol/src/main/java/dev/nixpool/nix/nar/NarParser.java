package dev.nixpool.nix.nar;

import static dev.nixpool.nix.nar.NarTokens.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;

/**
 * Streams a NAR and checks it is exactly what Nix's {@code dumpPath} writes: canonical field order, directory entries
 * sorted bytewise and unique, names without {@code /} or NUL and not {@code .}/{@code ..}. It reads exactly the NAR's
 * bytes and no more, which is how the end of a DumpStorePath reply (no length prefix) is found.
 */
public final class NarParser {

    private static final int KEYWORD_MAX = 16;

    private final WireReader in;
    private final NarLimits limits;
    private final byte[] skipBuffer = new byte[64 * 1024];

    private NarParser(InputStream in, NarLimits limits) {
        this.in = new WireReader(in);
        this.limits = limits;
    }

    public static void parse(InputStream in, NarVisitor visitor) throws IOException {
        parse(in, visitor, NarLimits.DEFAULT);
    }

    public static void parse(InputStream in, NarVisitor visitor, NarLimits limits) throws IOException {
        NarParser p = new NarParser(in, limits);
        p.expect(MAGIC, "the NAR magic 'nix-archive-1'");
        p.node("", 0, visitor);
    }

    private void node(String path, int depth, NarVisitor visitor) throws IOException {
        if (depth > limits.maxDepth()) {
            throw new NarFormatException(
                    "expected at most " + limits.maxDepth() + " nested directories, got more at '" + path + "'");
        }
        expect(OPEN, "'(' opening a node");
        expect(TYPE, "'type'");
        String type = keyword("the node type of '" + path + "'");
        switch (type) {
            case REGULAR -> regular(path, visitor);
            case SYMLINK -> {
                expect(TARGET, "'target'");
                byte[] target = bytes("the symlink target of '" + path + "'", limits.maxTargetBytes());
                if (target.length == 0 || indexOf(target, (byte) 0) >= 0) {
                    throw new NarFormatException("expected a non-empty symlink target without NUL at '" + path + "'");
                }
                visitor.symlink(path, new String(target, StandardCharsets.UTF_8));
                expect(CLOSE, "')' closing the symlink '" + path + "'");
            }
            case DIRECTORY -> directory(path, depth, visitor);
            default -> throw new NarFormatException("expected node type 'regular', 'symlink' or 'directory' at '"
                    + path + "', got '" + printable(type) + "'");
        }
    }

    private void regular(String path, NarVisitor visitor) throws IOException {
        String field = keyword("'executable' or 'contents'");
        boolean executable = false;
        if (field.equals(EXECUTABLE)) {
            executable = true;
            byte[] marker = bytes("the executable marker of '" + path + "'", KEYWORD_MAX);
            if (marker.length != 0) {
                throw new NarFormatException("expected an empty executable marker at '" + path + "', got '"
                        + printable(new String(marker, StandardCharsets.UTF_8)) + "'");
            }
            field = keyword("'contents'");
        }
        if (!field.equals(CONTENTS)) {
            throw new NarFormatException("expected 'contents' in the regular file '" + path + "', got '"
                    + printable(field) + "'");
        }
        long size = in.readU64("size of '" + path + "'");
        if (size < 0 || size > limits.maxFileSize()) {
            throw new NarFormatException("expected a file size of at most " + limits.maxFileSize() + " at '" + path
                    + "', got " + Long.toUnsignedString(size));
        }
        BoundedContents contents = new BoundedContents(in.stream(), size, path);
        visitor.regularFile(path, executable, size, contents);
        while (contents.remaining > 0) {
            contents.read(skipBuffer, 0, skipBuffer.length);
        }
        in.skipPadding(size, "contents of '" + path + "'");
        expect(CLOSE, "')' closing the file '" + path + "'");
    }

    private void directory(String path, int depth, NarVisitor visitor) throws IOException {
        visitor.directoryStart(path);
        byte[] previous = null;
        while (true) {
            String field = keyword("'entry' or ')' in the directory '" + path + "'");
            if (field.equals(CLOSE)) {
                break;
            }
            if (!field.equals(ENTRY)) {
                throw new NarFormatException("expected 'entry' or ')' in the directory '" + path + "', got '"
                        + printable(field) + "'");
            }
            expect(OPEN, "'(' opening an entry");
            expect(NAME, "'name'");
            byte[] name = bytes("an entry name in '" + path + "'", limits.maxNameBytes());
            String nameText = new String(name, StandardCharsets.UTF_8);
            checkName(name, nameText, path);
            if (previous != null && Arrays.compareUnsigned(previous, name) >= 0) {
                throw new NarFormatException("expected directory entries sorted bytewise and unique in '" + path
                        + "', got '" + printable(nameText) + "' after '"
                        + printable(new String(previous, StandardCharsets.UTF_8)) + "'");
            }
            previous = name;
            expect(NODE, "'node'");
            node(path.isEmpty() ? nameText : path + "/" + nameText, depth + 1, visitor);
            expect(CLOSE, "')' closing the entry '" + printable(nameText) + "'");
        }
        visitor.directoryEnd(path);
    }

    private static void checkName(byte[] name, String text, String dir) throws NarFormatException {
        if (name.length == 0 || text.equals(".") || text.equals("..") || indexOf(name, (byte) '/') >= 0
                || indexOf(name, (byte) 0) >= 0) {
            throw new NarFormatException("expected a file name without '/' or NUL and not '', '.' or '..' in '" + dir
                    + "', got '" + printable(text) + "'");
        }
    }

    private void expect(String token, String what) throws IOException {
        String got = keyword(what);
        if (!got.equals(token)) {
            throw new NarFormatException("expected " + what + ", got '" + printable(got) + "'");
        }
    }

    /** Grammar tokens are short: a long string where one belongs is corrupt, whatever its length claims. */
    private String keyword(String what) throws IOException {
        try {
            return new String(in.readBytes(what, KEYWORD_MAX), StandardCharsets.US_ASCII);
        } catch (WireTruncatedException e) {
            throw e;
        } catch (NixWireException e) {
            throw new NarFormatException(e.getMessage());
        }
    }

    private byte[] bytes(String what, int max) throws IOException {
        try {
            return in.readBytes(what, max);
        } catch (WireTruncatedException e) {
            throw e;
        } catch (NixWireException e) {
            throw new NarFormatException(e.getMessage());
        }
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
        }
        return s.length() > 200 ? b + "..." : b.toString();
    }

    /** A file's contents: at most {@code size} bytes of the NAR, truncation reported as such. */
    private static final class BoundedContents extends InputStream {
        private final InputStream in;
        private final String path;
        private final long size;
        private long remaining;

        BoundedContents(InputStream in, long size, String path) {
            this.in = in;
            this.size = size;
            this.remaining = size;
            this.path = path;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new WireTruncatedException("contents of '" + path + "'", size - remaining, size);
            }
            remaining -= n;
            return n;
        }
    }
}
