package dev.nixpool.nix.store;

/**
 * A path in {@code /nix/store}: a 32-character nix32 hash part and a name (src/libstore/path.cc). Nix 2.8's rules are
 * enforced, plus the later rule that rejects {@code .}, {@code ..} and names starting with {@code .-} or {@code ..-},
 * since a name that newer Nix refuses cannot be moved between stores safely either.
 */
public record StorePath(String hashPart, String name) implements Comparable<StorePath> {

    public static final String STORE_DIR = "/nix/store";
    public static final int HASH_CHARS = 32;
    public static final int MAX_NAME = 211;
    private static final String PREFIX = STORE_DIR + "/";

    public StorePath {
        try {
            checkHashPart(hashPart, hashPart + "-" + name);
            checkName(name, hashPart + "-" + name);
        } catch (InvalidStorePathException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Parses {@code /nix/store/<hash>-<name>}. */
    public static StorePath parse(String path) throws InvalidStorePathException {
        if (path == null || !path.startsWith(PREFIX)) {
            throw new InvalidStorePathException(String.valueOf(path), "expected it to start with '" + PREFIX + "'");
        }
        return parseBaseName(path.substring(PREFIX.length()), path);
    }

    /** Parses {@code <hash>-<name>}, the form Nix uses inside realisations and store directories. */
    public static StorePath parseBaseName(String baseName) throws InvalidStorePathException {
        return parseBaseName(baseName, baseName);
    }

    private static StorePath parseBaseName(String baseName, String whole) throws InvalidStorePathException {
        if (baseName.indexOf('/') >= 0) {
            throw new InvalidStorePathException(whole, "expected a direct child of " + STORE_DIR + ", got a '/' in it");
        }
        if (baseName.length() < HASH_CHARS + 2 || baseName.charAt(HASH_CHARS) != '-') {
            throw new InvalidStorePathException(whole,
                    "expected " + HASH_CHARS + " hash characters, '-' and a name of at least 1 character");
        }
        String hash = baseName.substring(0, HASH_CHARS);
        String name = baseName.substring(HASH_CHARS + 1);
        checkHashPart(hash, whole);
        checkName(name, whole);
        return new StorePath(hash, name);
    }

    /** Parses {@code path} or returns null for Nix's "none", the empty string (deriver, optional paths). */
    public static StorePath parseOptional(String path) throws InvalidStorePathException {
        return path.isEmpty() ? null : parse(path);
    }

    private static void checkHashPart(String hash, String whole) throws InvalidStorePathException {
        if (hash == null || hash.length() != HASH_CHARS) {
            throw new InvalidStorePathException(whole, "expected a hash part of " + HASH_CHARS + " characters");
        }
        for (int i = 0; i < hash.length(); i++) {
            char c = hash.charAt(i);
            if (!Nix32.isNix32Char(c)) {
                throw new InvalidStorePathException(whole, "expected nix32 characters (" + Nix32.ALPHABET
                        + ") in the hash part, got '" + Nix32.printable(c) + "' at position " + i);
            }
        }
    }

    /** The name rules of path.cc: 1..211 characters of [0-9A-Za-z+-._?=]. */
    public static void checkName(String name, String whole) throws InvalidStorePathException {
        if (name == null || name.isEmpty()) {
            throw new InvalidStorePathException(whole, "name is empty");
        }
        if (name.length() > MAX_NAME) {
            throw new InvalidStorePathException(whole,
                    "name is " + name.length() + " characters long, at most " + MAX_NAME + " are allowed");
        }
        if (name.equals(".") || name.equals("..") || name.startsWith(".-") || name.startsWith("..-")) {
            throw new InvalidStorePathException(whole, "name must not be '.' or '..' nor start with '.-' or '..-'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || "+-._?=".indexOf(c) >= 0;
            if (!ok) {
                throw new InvalidStorePathException(whole, "name has the character '" + Nix32.printable(c)
                        + "' at position " + i + "; allowed are 0-9 A-Z a-z and + - . _ ? =");
            }
        }
    }

    public String baseName() {
        return hashPart + "-" + name;
    }

    public boolean isDerivation() {
        return name.endsWith(".drv");
    }

    @Override
    public String toString() {
        return PREFIX + baseName();
    }

    @Override
    public int compareTo(StorePath o) {
        return toString().compareTo(o.toString());
    }

    /** Keeps error messages bounded whatever a hostile peer sends. */
    static String abbreviate(String s) {
        StringBuilder b = new StringBuilder();
        int limit = Math.min(s.length(), 300);
        for (int i = 0; i < limit; i++) {
            b.append(Nix32.printable(s.charAt(i)));
        }
        if (s.length() > limit) {
            b.append("... (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }
}
