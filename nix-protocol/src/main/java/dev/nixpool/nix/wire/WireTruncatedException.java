package dev.nixpool.nix.wire;

/** The peer's stream ended in the middle of a value. */
public class WireTruncatedException extends NixWireException {

    public WireTruncatedException(String expected, long got, long wanted) {
        super("stream ended while reading " + expected + ": got " + got + " of " + wanted + " bytes");
    }
}
