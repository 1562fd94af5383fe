package dev.nixpool.nix.cache;

import dev.nixpool.nix.wire.NixWireException;

/** A narinfo or nix-cache-info that Nix would not read. */
public class NarInfoFormatException extends NixWireException {

    public NarInfoFormatException(String message) {
        super(message);
    }
}
