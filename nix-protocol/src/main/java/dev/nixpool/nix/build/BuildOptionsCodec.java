package dev.nixpool.nix.build;

import java.io.IOException;

import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The serve protocol's build options (src/libstore/serve-protocol.cc): maxSilentTime and buildTimeout, then (2.2)
 * maxLogSize, (2.3) nrRepeats and enforceDeterminism, (2.7) keepFailed. Nix reads the flags as integers, so any
 * non-zero value is true there, and so it is here.
 */
public final class BuildOptionsCodec {

    private BuildOptionsCodec() {
    }

    public static void write(WireWriter out, BuildOptions o, int serveMinor) throws IOException {
        out.writeU64(o.maxSilentTime()).writeU64(o.buildTimeout());
        if (serveMinor >= 2) {
            out.writeU64(o.maxLogSize());
        }
        if (serveMinor >= 3) {
            out.writeU64(o.nrRepeats()).writeBool(o.enforceDeterminism());
        }
        if (serveMinor >= 7) {
            out.writeBool(o.keepFailed());
        }
    }

    /** What a server (the gateway) reads from a client; fields the version lacks take {@link BuildOptions#DEFAULTS}. */
    public static BuildOptions read(WireReader in, int serveMinor) throws IOException {
        BuildOptions d = BuildOptions.DEFAULTS;
        long maxSilentTime = in.readUnsignedInt("maxSilentTime");
        long buildTimeout = in.readUnsignedInt("buildTimeout");
        long maxLogSize = serveMinor >= 2 ? in.readBounded("maxLogSize", Long.MAX_VALUE) : d.maxLogSize();
        long nrRepeats = d.nrRepeats();
        boolean enforceDeterminism = d.enforceDeterminism();
        if (serveMinor >= 3) {
            nrRepeats = in.readUnsignedInt("nrRepeats");
            enforceDeterminism = in.readUnsignedInt("enforceDeterminism") != 0;
        }
        boolean keepFailed = serveMinor >= 7 ? in.readUnsignedInt("keepFailed") != 0 : d.keepFailed();
        return new BuildOptions(maxSilentTime, buildTimeout, maxLogSize, nrRepeats, enforceDeterminism, keepFailed);
    }
}
