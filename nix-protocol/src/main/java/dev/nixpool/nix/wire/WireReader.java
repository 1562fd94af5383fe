package dev.nixpool.nix.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Nix's wire encoding (src/libutil/serialise.cc): u64 little-endian integers, and strings as a u64 length, the bytes
 * and zero padding to a multiple of 8. The input is hostile: every length is bounded by the caller and every value is
 * range-checked the way Nix's own readers do, so corrupt input gives a typed error instead of a hang or an OOM.
 */
public class WireReader {

    /** Default bound for strings: store paths, hashes, names and error messages are far below it. */
    public static final int DEFAULT_MAX_STRING = 1 << 20;
    /** Default bound for list counts. */
    public static final int DEFAULT_MAX_COUNT = 1 << 20;

    private final InputStream in;
    private final byte[] word = new byte[8];

    public WireReader(InputStream in) {
        this.in = in;
    }

    public InputStream stream() {
        return in;
    }

    /** An unsigned 64-bit integer; values above Long.MAX_VALUE come back negative, as Java has no unsigned long. */
    public long readU64(String what) throws IOException {
        readFully(word, 0, 8, what);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (word[i] & 0xff);
        }
        return v;
    }

    /** A value Nix reads as {@code unsigned int}: magic numbers, versions, command ids. */
    public long readUnsignedInt(String what) throws IOException {
        long v = readU64(what);
        if (v < 0 || v > 0xFFFFFFFFL) {
            throw new NixWireException(
                    "expected " + what + " (an unsigned 32-bit integer), got " + Long.toUnsignedString(v));
        }
        return v;
    }

    /** A u64 that must fit in [0, max]: sizes, counts, status codes. */
    public long readBounded(String what, long max) throws IOException {
        long v = readU64(what);
        if (v < 0 || v > max) {
            throw new NixWireException("expected " + what + " of at most " + max + ", got " + Long.toUnsignedString(v));
        }
        return v;
    }

    public int readInt(String what, int max) throws IOException {
        return (int) readBounded(what, max);
    }

    public boolean readBool(String what) throws IOException {
        long v = readU64(what);
        if (v != 0 && v != 1) {
            throw new NixWireException("expected " + what + " (a bool, 0 or 1), got " + Long.toUnsignedString(v));
        }
        return v == 1;
    }

    public byte[] readBytes(String what, int maxLength) throws IOException {
        long len = readU64("length of " + what);
        if (len < 0 || len > maxLength) {
            throw new NixWireException("expected " + what + " of at most " + maxLength + " bytes, got a length of "
                    + Long.toUnsignedString(len));
        }
        byte[] data = new byte[(int) len];
        readFully(data, 0, data.length, what);
        skipPadding(len, what);
        return data;
    }

    public String readString(String what) throws IOException {
        return readString(what, DEFAULT_MAX_STRING);
    }

    public String readString(String what, int maxLength) throws IOException {
        return new String(readBytes(what, maxLength), StandardCharsets.UTF_8);
    }

    public List<String> readStrings(String what) throws IOException {
        return readStrings(what, DEFAULT_MAX_COUNT, DEFAULT_MAX_STRING);
    }

    public List<String> readStrings(String what, int maxCount, int maxLength) throws IOException {
        int count = readInt("number of " + what, maxCount);
        List<String> items = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            items.add(readString(what + "[" + i + "]", maxLength));
        }
        return items;
    }

    /**
     * A map of strings as Nix writes {@code std::map<string, string>}: a count, then key and value per entry. Duplicate
     * keys cannot come from Nix's sorted maps, so they are corrupt input here.
     */
    public Map<String, String> readStringMap(String what, int maxCount, int maxLength) throws IOException {
        int count = readInt("number of entries in " + what, maxCount);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String key = readString("key " + i + " of " + what, maxLength);
            String value = readString("value of '" + key + "' in " + what, maxLength);
            if (map.put(key, value) != null) {
                throw new NixWireException("expected distinct keys in " + what + ", got '" + key + "' twice");
            }
        }
        return map;
    }

    /** The zero padding after {@code len} bytes of a string; Nix rejects non-zero padding and so do we. */
    public void skipPadding(long len, String what) throws IOException {
        int pad = (int) ((8 - (len % 8)) % 8);
        if (pad == 0) {
            return;
        }
        readFully(word, 0, pad, "padding of " + what);
        for (int i = 0; i < pad; i++) {
            if (word[i] != 0) {
                throw new NixWireException("expected zero padding after " + what + ", got a non-zero byte");
            }
        }
    }

    public void readFully(byte[] buf, int off, int len, String what) throws IOException {
        int done = 0;
        while (done < len) {
            int n = in.read(buf, off + done, len - done);
            if (n < 0) {
                throw new WireTruncatedException(what, done, len);
            }
            done += n;
        }
    }
}
