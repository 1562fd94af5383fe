package dev.nixpool.nix.worker;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The client side of the worker handshake's version and feature exchange (src/libstore/worker-protocol-connection.cc,
 * BasicClientConnection::handshake): our magic and version, the daemon's, and from 1.38 our features, then the
 * daemon's. What follows (the obsolete words, {@link ClientHandshakeInfo}) is {@link WorkerConnection}'s business.
 */
public final class WorkerClientHandshake {

    private WorkerClientHandshake() {
    }

    public static WorkerVersion connect(WireReader in, WireWriter out, int localVersion, Set<String> localFeatures)
            throws IOException {
        out.writeU64(WorkerProtocol.MAGIC_1).writeU64(localVersion).flush();
        long magic = in.readU64("the daemon's magic number");
        if (magic != WorkerProtocol.MAGIC_2) {
            throw new NixWireException("expected the nix-daemon magic 0x6478696f, got 0x" + Long.toHexString(magic)
                    + ": the remote is not a nix-daemon or prints to stdout first");
        }
        long wireVersion = in.readUnsignedInt("the daemon's protocol version");
        if (wireVersion > 0xFFFF || WorkerProtocol.major((int) wireVersion) != 0x100) {
            throw new NixWireException("expected worker protocol 1.x (0x1xx), got 0x" + Long.toHexString(wireVersion));
        }
        if (WorkerProtocol.minor((int) wireVersion) < 10) {
            throw new NixWireException("the daemon speaks worker protocol 1." + WorkerProtocol.minor((int) wireVersion)
                    + ", older than 1.10, the oldest Nix supports");
        }
        int number = Math.min((int) wireVersion, localVersion);
        Set<String> daemonFeatures = Set.of();
        if (WorkerProtocol.minor(number) >= 38) {
            out.writeStrings(new TreeSet<>(localFeatures)).flush();
            daemonFeatures = new LinkedHashSet<>(in.readStrings("daemon feature", WorkerServerHandshake.MAX_FEATURES,
                    WorkerServerHandshake.MAX_FEATURE));
        }
        return new WorkerVersion(number, WorkerFeatures.intersect(daemonFeatures, localFeatures));
    }
}
