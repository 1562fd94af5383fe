package dev.nixpool.gateway;

import dev.nixpool.nix.wire.NixWireException;

/**
 * A request the gateway will not serve (unsupported command, over a limit, inconsistent with what came before). The
 * client sees the message as Nix's own {@code error: ...} on stderr, and the connection ends.
 */
public class ClientProtocolException extends NixWireException {

    public ClientProtocolException(String message) {
        super(message);
    }
}
