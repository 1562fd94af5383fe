package dev.nixpool.nix.serve;

import java.util.List;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;

/** One record of a QueryPathInfos reply; {@code deriver} is null for none and {@code ca} empty if not content-addressed. */
public record PathInfo(StorePath path, StorePath deriver, List<StorePath> references, long downloadSize, long narSize,
        NixHash narHash, String ca, List<String> sigs) {

    public PathInfo {
        references = List.copyOf(references);
        sigs = List.copyOf(sigs);
    }
}
