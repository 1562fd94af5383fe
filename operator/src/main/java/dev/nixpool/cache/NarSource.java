package dev.nixpool.cache;

import java.io.IOException;
import java.io.InputStream;

import dev.nixpool.nix.store.StorePath;

/**
 * Where the NARs of the paths to upload come from (a builder's store over the serve protocol, a local store). The
 * stream must start with the path's NAR; the writer reads exactly narSize bytes of it and closes it.
 */
@FunctionalInterface
public interface NarSource {

    InputStream open(StorePath path) throws IOException;
}
