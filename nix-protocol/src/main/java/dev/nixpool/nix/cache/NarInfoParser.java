package dev.nixpool.nix.cache;

import java.util.ArrayList;
import java.util.List;

import dev.nixpool.nix.store.InvalidStorePathException;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.wire.NixWireException;

/**
 * Reads a narinfo as Nix 2.8's NarInfo constructor does: {@code Key: value} lines, unknown keys ignored (newer Nix
 * adds some), StorePath, URL, NarHash and NarSize required, Compression defaulting to bzip2, "unknown-deriver" meaning
 * none. Unlike Nix it also rejects a StorePath that does not match the hash part the file was fetched for, when told.
 */
public final class NarInfoParser {

    private NarInfoParser() {
    }

    public static NarInfo parse(String text) throws NarInfoFormatException {
        StorePath storePath = null;
        String url = null;
        String compression = null;
        NixHash fileHash = null;
        long fileSize = 0;
        NixHash narHash = null;
        long narSize = -1;
        List<StorePath> references = new ArrayList<>();
        StorePath deriver = null;
        List<String> sigs = new ArrayList<>();
        String ca = "";
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(": ");
            if (colon <= 0) {
                throw new NarInfoFormatException(
                        "line " + lineNo + ": expected 'Key: value', got '" + abbreviate(line) + "'");
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 2);
            try {
                switch (key) {
                    case "StorePath" -> storePath = StorePath.parse(value);
                    case "URL" -> url = value;
                    case "Compression" -> compression = value;
                    case "FileHash" -> fileHash = NixHash.parse(value);
                    case "FileSize" -> fileSize = number(value, key, lineNo);
                    case "NarHash" -> narHash = NixHash.parse(value);
                    case "NarSize" -> narSize = number(value, key, lineNo);
                    case "References" -> {
                        for (String ref : value.split(" ")) {
                            if (!ref.isEmpty()) {
                                references.add(StorePath.parseBaseName(ref));
                            }
                        }
                    }
                    case "Deriver" -> deriver = value.equals("unknown-deriver") || value.isEmpty()
                            ? null
                            : StorePath.parseBaseName(value);
                    case "Sig" -> sigs.add(value);
                    case "CA" -> ca = value;
                    default -> {
                        // System and keys of newer Nix versions: not ours to judge
                    }
                }
            } catch (InvalidStorePathException e) {
                throw new NarInfoFormatException("line " + lineNo + " (" + key + "): " + e.getMessage());
            } catch (NixWireException e) {
                throw new NarInfoFormatException("line " + lineNo + " (" + key + "): " + e.getMessage());
            }
        }
        if (storePath == null || url == null || narHash == null || narSize < 0) {
            throw new NarInfoFormatException("expected StorePath, URL, NarHash and NarSize in a narinfo, missing "
                    + (storePath == null
                            ? "StorePath"
                            : url == null ? "URL" : narHash == null ? "NarHash" : "NarSize"));
        }
        try {
            return new NarInfo(storePath, url, compression == null ? "bzip2" : compression, fileHash, fileSize,
                    narHash, narSize, references, deriver, sigs, ca);
        } catch (IllegalArgumentException e) {
            throw new NarInfoFormatException(e.getMessage());
        }
    }

    /** Parses a narinfo fetched as {@code <hashPart>.narinfo} and checks it describes that path. */
    public static NarInfo parse(String text, StorePath expected) throws NarInfoFormatException {
        NarInfo info = parse(text);
        if (!info.storePath().equals(expected)) {
            throw new NarInfoFormatException(
                    "expected a narinfo for " + expected + ", got one for " + info.storePath());
        }
        return info;
    }

    private static long number(String value, String key, int lineNo) throws NarInfoFormatException {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new NarInfoFormatException(
                    "line " + lineNo + ": expected a non-negative integer for " + key + ", got '" + abbreviate(value)
                            + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " characters)";
    }
}
