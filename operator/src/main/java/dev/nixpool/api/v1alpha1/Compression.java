package dev.nixpool.api.v1alpha1;

/** How a binary cache's NARs are compressed, under Nix's names ({@code compression=} of a store URI). */
public enum Compression {
    xz, zstd, none
}
