package dev.nixpool.nix.nar;

import dev.nixpool.nix.store.NixHash;

/** What Nix records for a NAR: its SHA-256 ({@code narHash}) and length ({@code narSize}). */
public record NarDigest(NixHash narHash, long narSize) {
}
