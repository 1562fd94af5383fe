package dev.nixpool.nix.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/** Writes Nix's wire encoding; the counterpart of {@link WireReader}. */
public class WireWriter {

    private static final byte[] ZEROS = new byte[8];

    private final OutputStream out;
    private final byte[] word = new byte[8];

    public WireWriter(OutputStream out) {
        this.out = out;
    }

    public OutputStream stream() {
        return out;
    }

    public WireWriter writeU64(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            word[i] = (byte) (v >>> (8 * i));
        }
        out.write(word);
        return this;
    }

    public WireWriter writeBool(boolean v) throws IOException {
        return writeU64(v ? 1 : 0);
    }

    public WireWriter writeBytes(byte[] data) throws IOException {
        writeU64(data.length);
        out.write(data);
        writePadding(data.length);
        return this;
    }

    public WireWriter writeString(String s) throws IOException {
        return writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public WireWriter writeStrings(Collection<String> items) throws IOException {
        writeU64(items.size());
        for (String s : items) {
            writeString(s);
        }
        return this;
    }

    public WireWriter writeStringMap(Map<String, String> map) throws IOException {
        writeU64(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeString(e.getKey());
            writeString(e.getValue());
        }
        return this;
    }

    public void writePadding(long len) throws IOException {
        int pad = (int) ((8 - (len % 8)) % 8);
        if (pad > 0) {
            out.write(ZEROS, 0, pad);
        }
    }

    public void flush() throws IOException {
        out.flush();
    }
}
