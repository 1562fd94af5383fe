package dev.nixpool.nix.store;

import java.util.Comparator;

/**
 * Nix sorts names and map keys as C++ {@code std::string}s: by bytes. For UTF-8 that is code-point order, which differs
 * from {@link String#compareTo} (UTF-16 units) for characters above U+FFFF, so every sort Nix can see uses this.
 */
public final class Bytewise {

    public static final Comparator<String> ORDER = Bytewise::compare;

    private Bytewise() {
    }

    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
