package dev.nixpool.nix.wire;

import java.io.IOException;

/** Input from a Nix peer that cannot be what the protocol allows at this point. */
public class NixWireException extends IOException {

    public NixWireException(String message) {
        super(message);
    }

    public NixWireException(String message, Throwable cause) {
        super(message, cause);
    }
}
