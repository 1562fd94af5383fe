package dev.nixpool.nix.derivation;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.nixpool.nix.store.Bytewise;

/**
 * Parses Nix's {@code .drv} ATerm ({@code Derive(...)}, src/libstore/derivations.cc). The grammar has a fixed depth, so
 * the only bound needed is the input size, checked before anything is decoded.
 */
public final class ATermParser {

    /** The largest .drv we accept; real ones with big inline env values stay far below. */
    public static final int MAX_DRV_BYTES = 64 * 1024 * 1024;

    private final String text;
    private int pos;

    private ATermParser(String text) {
        this.text = text;
    }

    public static Derivation parse(byte[] drv) throws DerivationFormatException {
        if (drv.length > MAX_DRV_BYTES) {
            throw new DerivationFormatException(
                    "expected a .drv of at most " + MAX_DRV_BYTES + " bytes, got " + drv.length);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(drv)).toString();
        } catch (CharacterCodingException e) {
            throw new DerivationFormatException("expected UTF-8 text in the .drv, got invalid bytes", e);
        }
        return parse(text);
    }

    public static Derivation parse(String text) throws DerivationFormatException {
        if (text.length() > MAX_DRV_BYTES) {
            throw new DerivationFormatException(
                    "expected a .drv of at most " + MAX_DRV_BYTES + " characters, got " + text.length());
        }
        return new ATermParser(text).derivation();
    }

    private Derivation derivation() throws DerivationFormatException {
        expect("Derive([");
        SortedMap<String, DerivationOutput> outputs = new TreeMap<>(Bytewise.ORDER);
        while (!endOfList()) {
            expect("(");
            String name = string("output name");
            expect(",");
            String path = string("output path");
            expect(",");
            String algo = string("output hash algorithm");
            expect(",");
            String hash = string("output hash");
            expect(")");
            if (!path.isEmpty()) {
                requirePath(path, "output path of '" + name + "'");
            }
            putUnique(outputs, name, new DerivationOutput(path, algo, hash), "output");
        }
        expect(",[");
        SortedMap<String, SortedSet<String>> inputDrvs = new TreeMap<>(Bytewise.ORDER);
        while (!endOfList()) {
            expect("(");
            String drvPath = string("input derivation path");
            requirePath(drvPath, "input derivation");
            expect(",[");
            SortedSet<String> outs = new TreeSet<>(Bytewise.ORDER);
            while (!endOfList()) {
                outs.add(string("output name of input derivation"));
            }
            expect(")");
            putUnique(inputDrvs, drvPath, outs, "input derivation");
        }
        expect(",[");
        SortedSet<String> inputSrcs = new TreeSet<>(Bytewise.ORDER);
        while (!endOfList()) {
            String src = string("input source");
            requirePath(src, "input source");
            inputSrcs.add(src);
        }
        expect(",");
        String platform = string("platform");
        expect(",");
        String builder = string("builder");
        expect(",[");
        List<String> args = new ArrayList<>();
        while (!endOfList()) {
            args.add(string("builder argument"));
        }
        expect(",[");
        SortedMap<String, String> env = new TreeMap<>(Bytewise.ORDER);
        while (!endOfList()) {
            expect("(");
            String key = string("environment variable name");
            expect(",");
            String value = string("value of environment variable '" + key + "'");
            expect(")");
            putUnique(env, key, value, "environment variable");
        }
        expect(")");
        if (pos != text.length()) {
            throw error("the end of the derivation");
        }
        return new Derivation(outputs, inputDrvs, inputSrcs, platform, builder, args, env);
    }

    /** Before an item: consumes the separating ',' or the list's ']' and says whether the list ended. */
    private boolean endOfList() throws DerivationFormatException {
        if (peek() == ']') {
            pos++;
            return true;
        }
        if (text.charAt(pos - 1) != '[') {
            expect(",");
        }
        return false;
    }

    private String string(String what) throws DerivationFormatException {
        if (peek() != '"') {
            throw error("'\"' starting the " + what);
        }
        pos++;
        StringBuilder s = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("'\"' ending the " + what);
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return s.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    throw error("an escaped character in the " + what);
                }
                char e = text.charAt(pos++);
                s.append(switch (e) {
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    default -> e;
                });
            } else {
                s.append(c);
            }
        }
    }

    private void expect(String token) throws DerivationFormatException {
        if (!text.startsWith(token, pos)) {
            throw error("'" + token + "'");
        }
        pos += token.length();
    }

    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private void requirePath(String path, String what) throws DerivationFormatException {
        if (!path.startsWith("/")) {
            throw new DerivationFormatException(
                    "expected an absolute path as " + what + ", got '" + abbreviate(path) + "'");
        }
    }

    private static <V> void putUnique(SortedMap<String, V> map, String key, V value, String what)
            throws DerivationFormatException {
        if (map.put(key, value) != null) {
            throw new DerivationFormatException("expected each " + what + " once, got '" + abbreviate(key) + "' twice");
        }
    }

    private DerivationFormatException error(String expected) {
        String got = pos >= text.length()
                ? "the end of the input"
                : "'" + abbreviate(text.substring(pos, Math.min(text.length(), pos + 20))) + "'";
        return new DerivationFormatException("expected " + expected + " at offset " + pos + " of the .drv, got " + got);
    }

    private static String abbreviate(String s) {
        String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return cut.replace("\n", "\\n");
    }
}
