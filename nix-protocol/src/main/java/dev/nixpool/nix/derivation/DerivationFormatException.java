package dev.nixpool.nix.derivation;

import dev.nixpool.nix.wire.NixWireException;

/** A {@code .drv} file or a serialised derivation that does not follow Nix's format. */
public class DerivationFormatException extends NixWireException {

    public DerivationFormatException(String message) {
        super(message);
    }

    public DerivationFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
