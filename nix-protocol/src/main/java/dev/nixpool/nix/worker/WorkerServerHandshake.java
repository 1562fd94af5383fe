package dev.nixpool.nix.worker;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The daemon side of the worker handshake (src/libstore/worker-protocol-connection.cc), for something that answers Nix
 * clients as {@code nix-daemon --stdio} does: magic and versions, from 1.38 the feature exchange (the client sends its
 * features first), then the client's obsolete CPU affinity and reserveSpace words, then {@link ClientHandshakeInfo}.
 * After {@link #finish} the daemon sends the stderr channel's STDERR_LAST before its first request.
 */
public final class WorkerServerHandshake {

    static final int MAX_FEATURES = 256;
    static final int MAX_FEATURE = 1024;

    private WorkerServerHandshake() {
    }

    /** Versions and features; returns what both sides speak. */
    public static WorkerVersion accept(WireReader in, WireWriter out, int localVersion, Set<String> localFeatures)
            throws IOException {
        long magic = in.readU64("the client's magic number");
        if (magic != WorkerProtocol.MAGIC_1) {
            throw new NixWireException("expected the worker client magic 0x6e697863, got 0x"
                    + Long.toHexString(magic));
        }
        out.writeU64(WorkerProtocol.MAGIC_2).writeU64(localVersion).flush();
        long clientVersion = in.readUnsignedInt("the client's protocol version");
        if (clientVersion > 0xFFFF || WorkerProtocol.major((int) clientVersion) != 0x100) {
            throw new NixWireException(
                    "expected worker protocol 1.x (0x1xx), got 0x" + Long.toHexString(clientVersion));
        }
        int number = Math.min((int) clientVersion, localVersion);
        Set<String> clientFeatures = Set.of();
        if (WorkerProtocol.minor(number) >= 38) {
            clientFeatures = new LinkedHashSet<>(in.readStrings("client feature", MAX_FEATURES, MAX_FEATURE));
            out.writeStrings(new TreeSet<>(localFeatures)).flush();
        }
        return new WorkerVersion(number, WorkerFeatures.intersect(clientFeatures, localFeatures));
    }

    /** The client's obsolete words, then our {@code info}. */
    public static void finish(WireReader in, WireWriter out, WorkerVersion version, ClientHandshakeInfo info)
            throws IOException {
        int minor = version.minor();
        if (minor >= 14 && in.readU64("the client's CPU affinity flag") != 0) {
            in.readU64("the client's CPU affinity");
        }
        if (minor >= 11) {
            in.readU64("the client's reserveSpace flag");
        }
        info.write(out, minor);
        out.flush();
    }
}
