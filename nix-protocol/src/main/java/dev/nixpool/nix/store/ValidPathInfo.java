package dev.nixpool.nix.store;

import java.util.List;

/**
 * What a store knows about a valid path, in the field order of AddToStoreNar. {@code deriver} is null for none,
 * {@code ca} empty for input-addressed paths; {@code registrationTime} is Unix seconds (0 = let the store pick).
 */
public record ValidPathInfo(StorePath path, StorePath deriver, NixHash narHash, List<StorePath> references,
        long registrationTime, long narSize, boolean ultimate, List<String> sigs, String ca) {

    public ValidPathInfo {
        references = List.copyOf(references);
        sigs = List.copyOf(sigs);
        if (narSize < 0) {
            throw new IllegalArgumentException("narSize must not be negative, got " + narSize);
        }
        if (!narHash.algorithm().equals("sha256")) {
            throw new IllegalArgumentException("Nix requires a sha256 narHash, got " + narHash.algorithm());
        }
    }
}
