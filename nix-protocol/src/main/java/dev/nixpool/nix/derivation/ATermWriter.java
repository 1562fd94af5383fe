package dev.nixpool.nix.derivation;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.SortedSet;

/**
 * Writes a {@link Derivation} as Nix's {@code .drv} ATerm, byte for byte as Nix 2.8's {@code Derivation::unparse}:
 * paths, names and the platform unescaped, the builder, args and env escaped.
 */
public final class ATermWriter {

    private ATermWriter() {
    }

    public static byte[] toBytes(Derivation drv) {
        return toText(drv).getBytes(StandardCharsets.UTF_8);
    }

    public static String toText(Derivation drv) {
        StringBuilder s = new StringBuilder(1024);
        s.append("Derive([");
        boolean first = true;
        for (Map.Entry<String, DerivationOutput> o : drv.outputs().entrySet()) {
            first = comma(s, first);
            s.append('(');
            unquoted(s, o.getKey()).append(',');
            unquoted(s, o.getValue().path()).append(',');
            unquoted(s, o.getValue().hashAlgo()).append(',');
            unquoted(s, o.getValue().hash()).append(')');
        }
        s.append("],[");
        first = true;
        for (Map.Entry<String, SortedSet<String>> d : drv.inputDrvs().entrySet()) {
            first = comma(s, first);
            s.append('(');
            unquoted(s, d.getKey()).append(',');
            unquotedList(s, d.getValue()).append(')');
        }
        s.append("],");
        unquotedList(s, drv.inputSrcs()).append(',');
        unquoted(s, drv.platform()).append(',');
        escaped(s, drv.builder()).append(',');
        s.append('[');
        first = true;
        for (String a : drv.args()) {
            first = comma(s, first);
            escaped(s, a);
        }
        s.append("],[");
        first = true;
        for (Map.Entry<String, String> e : drv.env().entrySet()) {
            first = comma(s, first);
            s.append('(');
            escaped(s, e.getKey()).append(',');
            escaped(s, e.getValue()).append(')');
        }
        s.append("])");
        return s.toString();
    }

    private static boolean comma(StringBuilder s, boolean first) {
        if (!first) {
            s.append(',');
        }
        return false;
    }

    private static StringBuilder unquoted(StringBuilder s, String v) {
        return s.append('"').append(v).append('"');
    }

    private static StringBuilder unquotedList(StringBuilder s, Collection<String> items) {
        s.append('[');
        boolean first = true;
        for (String i : items) {
            first = comma(s, first);
            unquoted(s, i);
        }
        return s.append(']');
    }

    static StringBuilder escaped(StringBuilder s, String v) {
        s.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"', '\\' -> s.append('\\').append(c);
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> s.append(c);
            }
        }
        return s.append('"');
    }
}
