package dev.nixpool.nix.nar;

import dev.nixpool.nix.wire.NixWireException;

/** A NAR that breaks the grammar of src/libutil/archive.cc or one of {@link NarLimits}. */
public class NarFormatException extends NixWireException {

    public NarFormatException(String message) {
        super(message);
    }
}
