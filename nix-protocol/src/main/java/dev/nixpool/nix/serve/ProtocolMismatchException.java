package dev.nixpool.nix.serve;

import java.nio.charset.StandardCharsets;

import dev.nixpool.nix.wire.NixWireException;

/**
 * The remote answered the serve handshake with something other than Nix's magic number. Almost always a login script
 * that prints to stdout before {@code nix-store --serve} starts; {@link #printed()} is what it printed.
 */
public class ProtocolMismatchException extends NixWireException {

    private final byte[] printed;

    public ProtocolMismatchException(byte[] printed) {
        super("'nix-store --serve' protocol mismatch, got '" + printable(printed) + "'");
        this.printed = printed.clone();
    }

    public byte[] printed() {
        return printed.clone();
    }

    public String printedText() {
        return printable(printed);
    }

    static String printable(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' && i == s.length() - 1) {
                continue;
            }
            b.append(c < 0x20 && c != '\t' ? '.' : c);
        }
        return b.toString().strip();
    }
}
