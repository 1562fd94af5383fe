package dev.nixpool.nix.cache;

import java.util.Base64;

/** {@code name:base64} as Nix writes key files (src/libutil/crypto.cc, BorrowedCryptoValue::parse). */
record KeyText(String name, byte[] bytes) {

    /** Parses {@code text}; {@code what} names the kind of key in errors, which never quote the text itself. */
    static KeyText parse(String text, String what, int expectedBytes) throws CacheKeyException {
        String trimmed = text.strip();
        int colon = trimmed.indexOf(':');
        if (colon <= 0 || colon == trimmed.length() - 1) {
            throw new CacheKeyException("expected a " + what + " as 'name:base64', as nix-store"
                    + " --generate-binary-cache-key writes it; got text of " + trimmed.length() + " characters "
                    + (colon < 0
                            ? "without a colon"
                            : colon == 0 ? "with an empty name" : "with nothing after the colon"));
        }
        String name = trimmed.substring(0, colon);
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(trimmed.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new CacheKeyException(
                    "the " + what + " '" + printableName(name) + "' is not valid base64 after the colon");
        }
        if (bytes.length != expectedBytes) {
            throw new CacheKeyException("the " + what + " '" + printableName(name) + "' holds " + bytes.length
                    + " bytes, expected " + expectedBytes);
        }
        return new KeyText(name, bytes);
    }

    /** A key name is public, but a mangled file could put anything before a colon: show only a bounded, safe form. */
    static String printableName(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(name.length(), 80); i++) {
            char c = name.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return name.length() > 80 ? b + "..." : b.toString();
    }
}
