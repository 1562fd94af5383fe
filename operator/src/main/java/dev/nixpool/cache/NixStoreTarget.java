package dev.nixpool.cache;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Set;

import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

/** Another Nix store as a destination (ssh://): which paths it has, and adding one with its signatures. */
public interface NixStoreTarget {

    Set<StorePath> valid(Collection<StorePath> paths) throws IOException;

    /** Adds a path from exactly {@code info.narSize()} bytes of {@code nar}; the store checks them against narHash. */
    void add(ValidPathInfo info, InputStream nar) throws IOException;
}
