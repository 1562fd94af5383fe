package dev.nixpool.nix.serve;

import java.io.IOException;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The server side of the serve handshake (src/libstore/serve-protocol-connection.cc), for something that answers Nix
 * clients as {@code nix-store --serve} does: read the client's magic, send ours and our version, read the client's
 * version; both then speak the smaller one.
 */
public final class ServeServerHandshake {

    private ServeServerHandshake() {
    }

    /** Returns the version both sides speak. Nix clients refuse servers older than 2.5, so offer at least that. */
    public static int accept(WireReader in, WireWriter out, int localVersion) throws IOException {
        long magic = in.readU64("the client's magic number");
        if (magic != ServeProtocol.MAGIC_1) {
            throw new NixWireException("expected the serve client magic 0x390c9deb, got 0x" + Long.toHexString(magic));
        }
        out.writeU64(ServeProtocol.MAGIC_2).writeU64(localVersion).flush();
        long clientVersion = in.readUnsignedInt("the client's protocol version");
        if (ServeProtocol.major((int) (clientVersion & 0xFFFF)) != ServeProtocol.MAJOR || clientVersion > 0xFFFF) {
            throw new NixWireException("unsupported 'nix-store --serve' client version 0x"
                    + Long.toHexString(clientVersion) + " (expected 2.x, 0x2xx)");
        }
        return Math.min((int) clientVersion, localVersion);
    }
}
