package dev.nixpool.nix.store;

import dev.nixpool.nix.wire.NixWireException;

/**
 * Nix's base-32 (src/libutil/hash.cc): its own alphabet without e, o, t, u, and the bytes read from the END, so it is
 * not RFC 4648 base32 and the two cannot be mixed.
 */
public final class Nix32 {

    public static final String ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";

    private static final int[] DIGIT = new int[128];

    static {
        java.util.Arrays.fill(DIGIT, -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            DIGIT[ALPHABET.charAt(i)] = i;
        }
    }

    private Nix32() {
    }

    /** Length of the nix32 text for {@code bytes} bytes: 32 for the 20-byte hash part, 52 for SHA-256. */
    public static int encodedLength(int bytes) {
        return bytes == 0 ? 0 : (bytes * 8 - 1) / 5 + 1;
    }

    public static String encode(byte[] hash) {
        int len = encodedLength(hash.length);
        StringBuilder s = new StringBuilder(len);
        for (int n = len - 1; n >= 0; n--) {
            int b = n * 5;
            int i = b / 8;
            int j = b % 8;
            int c = (hash[i] & 0xff) >> j;
            if (i < hash.length - 1) {
                c |= (hash[i + 1] & 0xff) << (8 - j);
            }
            s.append(ALPHABET.charAt(c & 0x1f));
        }
        return s.toString();
    }

    public static boolean isNix32Char(char c) {
        return c < 128 && DIGIT[c] >= 0;
    }

    /** Decodes text of exactly {@link #encodedLength}({@code bytes}) characters. */
    public static byte[] decode(String s, int bytes) throws NixWireException {
        if (s.length() != encodedLength(bytes)) {
            throw new NixWireException("expected " + encodedLength(bytes) + " nix32 characters for a " + bytes
                    + "-byte hash, got " + s.length());
        }
        byte[] hash = new byte[bytes];
        int len = s.length();
        for (int n = 0; n < len; n++) {
            char ch = s.charAt(len - n - 1);
            if (!isNix32Char(ch)) {
                throw new NixWireException("expected a nix32 character (" + ALPHABET + "), got '" + printable(ch)
                        + "' at position " + (len - n - 1));
            }
            int digit = DIGIT[ch];
            int b = n * 5;
            int i = b / 8;
            int j = b % 8;
            hash[i] |= (byte) (digit << j);
            int carry = digit >> (8 - j);
            if (i < bytes - 1) {
                hash[i + 1] |= (byte) carry;
            } else if (carry != 0) {
                throw new NixWireException("nix32 text '" + s + "' has bits beyond a " + bytes + "-byte hash");
            }
        }
        return hash;
    }

    static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }
}
