package dev.nixpool.nix.nar;

import java.util.List;

import dev.nixpool.nix.store.StorePath;

/** One path of an export stream; {@code deriver} is null when the exporter had none. */
public record ExportedPath(StorePath path, List<StorePath> references, StorePath deriver, NarDigest nar) {

    public ExportedPath {
        references = List.copyOf(references);
    }
}
