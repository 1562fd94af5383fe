package dev.nixpool.cache;

import java.io.IOException;
import java.io.OutputStream;

import dev.nixpool.nix.store.StorePath;

/**
 * Where the NARs of the paths to upload come from, pushed: writes the path's whole NAR into {@code nar} (a builder's
 * store over the serve protocol's DumpStorePath). The writer checks it against the path's narHash and narSize.
 */
@FunctionalInterface
public interface NarDump {

    void writeTo(StorePath path, OutputStream nar) throws IOException;
}
