package dev.nixpool.nix.worker;

import java.io.IOException;
import java.util.Optional;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * What the daemon tells the client at the end of the handshake (src/libstore/worker-protocol.cc): (1.33) its Nix
 * version, (1.35) whether it trusts the client, an optional flag: 0 unknown, 1 trusted, 2 not trusted.
 */
public record ClientHandshakeInfo(Optional<String> daemonNixVersion, Optional<Boolean> remoteTrustsUs) {

    static final int MAX_VERSION = 1024;

    public static ClientHandshakeInfo read(WireReader in, int minor) throws IOException {
        Optional<String> version = Optional.empty();
        Optional<Boolean> trusted = Optional.empty();
        if (minor >= 33) {
            version = Optional.of(in.readString("the daemon's Nix version", MAX_VERSION));
        }
        if (minor >= 35) {
            long flag = in.readU64("the daemon's trust flag");
            if (flag == 1) {
                trusted = Optional.of(true);
            } else if (flag == 2) {
                trusted = Optional.of(false);
            } else if (flag != 0) {
                throw new NixWireException("expected a trust flag 0 (unknown), 1 (trusted) or 2 (not trusted), got "
                        + Long.toUnsignedString(flag));
            }
        }
        return new ClientHandshakeInfo(version, trusted);
    }

    /** Nix asserts a version is there from 1.33 on; an absent one is written as "" here, which Nix reads the same. */
    public void write(WireWriter out, int minor) throws IOException {
        if (minor >= 33) {
            out.writeString(daemonNixVersion.orElse(""));
        }
        if (minor >= 35) {
            out.writeU64(remoteTrustsUs.map(t -> t ? 1L : 2L).orElse(0L));
        }
    }
}
