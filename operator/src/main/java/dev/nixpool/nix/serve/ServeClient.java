package dev.nixpool.nix.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * Client of {@code nix-store --serve --write} over any pair of streams (a local process, an SSH exec channel). Not
 * thread-safe: one command at a time, as the protocol itself.
 */
public class ServeClient {

    /** How much of a login banner we keep for the error message. */
    private static final int MAX_BANNER = 4096;

    private final WireReader in;
    private final WireWriter out;
    private int remoteVersion = -1;

    public ServeClient(InputStream fromRemote, OutputStream toRemote) {
        this.in = new WireReader(fromRemote);
        this.out = new WireWriter(toRemote);
    }

    /**
     * Sends our magic and version, then reads the server's. Returns the server's version (0x207 for Nix 2.8). A
     * stream that does not start with Nix's magic gives a {@link ProtocolMismatchException} holding what was printed.
     */
    public int handshake() throws IOException {
        out.writeU64(ServeProtocol.MAGIC_1).writeU64(ServeProtocol.CLIENT_VERSION).flush();
        byte[] first = new byte[8];
        in.readFully(first, 0, 8, "the server's magic number");
        long magic = 0;
        for (int i = 7; i >= 0; i--) {
            magic = (magic << 8) | (first[i] & 0xff);
        }
        if (magic != ServeProtocol.MAGIC_2) {
            throw new ProtocolMismatchException(restOfLine(first));
        }
        int version = (int) in.readUnsignedInt("the server's protocol version");
        if (ServeProtocol.major(version) != ServeProtocol.MAJOR) {
            throw new NixWireException(
                    "unsupported 'nix-store --serve' protocol version " + ServeProtocol.format(version)
                            + " (expected 2.x)");
        }
        remoteVersion = version;
        return version;
    }

    public int remoteVersion() {
        if (remoteVersion < 0) {
            throw new IllegalStateException("handshake() has not completed");
        }
        return remoteVersion;
    }

    protected WireReader reader() {
        return in;
    }

    protected WireWriter writer() {
        return out;
    }

    /** Nix does the same: what came instead of the magic, plus the rest of that line, for the error message. */
    private byte[] restOfLine(byte[] first) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        seen.write(first);
        if (containsNewline(first)) {
            return seen.toByteArray();
        }
        InputStream raw = in.stream();
        while (seen.size() < MAX_BANNER) {
            int b = raw.read();
            if (b < 0 || b == '\n') {
                break;
            }
            seen.write(b);
        }
        return seen.toByteArray();
    }

    private static boolean containsNewline(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\n') {
                return true;
            }
        }
        return false;
    }
}
