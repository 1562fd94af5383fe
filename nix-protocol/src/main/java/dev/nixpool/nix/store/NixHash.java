package dev.nixpool.nix.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import dev.nixpool.nix.wire.NixWireException;

/**
 * A hash as Nix prints it in its several forms (src/libutil/hash.cc): {@code sha256:<nix32>} (QueryPathInfos), bare
 * base16 (AddToStoreNar), {@code sha256:<base16>} and SRI {@code sha256-<base64>} (nix path-info --json).
 */
public final class NixHash {

    private final String algorithm;
    private final byte[] digest;

    public NixHash(String algorithm, byte[] digest) {
        int size = sizeOf(algorithm);
        if (size < 0) {
            throw new IllegalArgumentException("unknown hash algorithm '" + algorithm + "'");
        }
        if (digest.length != size) {
            throw new IllegalArgumentException(
                    "a " + algorithm + " hash has " + size + " bytes, got " + digest.length);
        }
        this.algorithm = algorithm;
        this.digest = digest.clone();
    }

    public static NixHash sha256(byte[] digest) {
        return new NixHash("sha256", digest);
    }

    /** SHA-256 of {@code data}; for tests and small inputs. */
    public static NixHash sha256Of(byte[] data) {
        return sha256(newSha256().digest(data));
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Byte size of an algorithm's digest, or -1 if Nix does not know it. */
    public static int sizeOf(String algorithm) {
        return switch (algorithm) {
            case "md5" -> 16;
            case "sha1" -> 20;
            case "sha256" -> 32;
            case "sha512" -> 64;
            default -> -1;
        };
    }

    /**
     * Parses {@code algo:<base16|nix32|base64>} or SRI {@code algo-<base64>}; the encoding is told apart by length, as
     * Nix does.
     */
    public static NixHash parse(String text) throws NixWireException {
        int colon = text.indexOf(':');
        int dash = text.indexOf('-');
        if (colon > 0) {
            return parseBare(text.substring(0, colon), text.substring(colon + 1), text);
        }
        if (dash > 0) {
            String algo = text.substring(0, dash);
            int size = requireKnown(algo, text);
            byte[] bytes = decodeBase64(text.substring(dash + 1), text);
            if (bytes.length != size) {
                throw new NixWireException("expected " + size + " bytes in SRI hash '" + StorePath.abbreviate(text)
                        + "', got " + bytes.length);
            }
            return new NixHash(algo, bytes);
        }
        throw new NixWireException("expected a hash like 'sha256:<hash>' or 'sha256-<base64>', got '"
                + StorePath.abbreviate(text) + "'");
    }

    /** A hash without its algorithm prefix, as AddToStoreNar and the worker protocol send narHash. */
    public static NixHash parseBare(String algorithm, String text) throws NixWireException {
        return parseBare(algorithm, text, text);
    }

    private static NixHash parseBare(String algo, String rest, String whole) throws NixWireException {
        int size = requireKnown(algo, whole);
        byte[] bytes;
        if (rest.length() == size * 2) {
            try {
                bytes = HexFormat.of().parseHex(rest);
            } catch (IllegalArgumentException e) {
                throw new NixWireException("expected base16 digits in hash '" + StorePath.abbreviate(whole) + "'");
            }
        } else if (rest.length() == Nix32.encodedLength(size)) {
            bytes = Nix32.decode(rest, size);
        } else if (rest.length() == ((size + 2) / 3) * 4) {
            bytes = decodeBase64(rest, whole);
            if (bytes.length != size) {
                // 44 base64 characters without padding decode to 33 bytes, not a sha256's 32
                throw new NixWireException("expected " + size + " bytes in base64 hash '"
                        + StorePath.abbreviate(whole) + "', got " + bytes.length);
            }
        } else {
            throw new NixWireException("expected a " + algo + " hash of " + size * 2 + " base16, "
                    + Nix32.encodedLength(size) + " nix32 or " + ((size + 2) / 3) * 4
                    + " base64 characters, got " + rest.length() + " in '" + StorePath.abbreviate(whole) + "'");
        }
        return new NixHash(algo, bytes);
    }

    private static int requireKnown(String algo, String whole) throws NixWireException {
        int size = sizeOf(algo);
        if (size < 0) {
            throw new NixWireException("expected a hash algorithm md5, sha1, sha256 or sha512 in '"
                    + StorePath.abbreviate(whole) + "', got '" + StorePath.abbreviate(algo) + "'");
        }
        return size;
    }

    private static byte[] decodeBase64(String s, String whole) throws NixWireException {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new NixWireException("expected base64 in hash '" + StorePath.abbreviate(whole) + "'");
        }
    }

    public String algorithm() {
        return algorithm;
    }

    public byte[] digest() {
        return digest.clone();
    }

    /** {@code 1b4f...}: what AddToStoreNar wants. */
    public String toBase16() {
        return HexFormat.of().formatHex(digest);
    }

    public String toNix32() {
        return Nix32.encode(digest);
    }

    /** {@code sha256:<nix32>}: what QueryPathInfos returns. */
    public String toPrefixedNix32() {
        return algorithm + ":" + toNix32();
    }

    public String toPrefixedBase16() {
        return algorithm + ":" + toBase16();
    }

    /** {@code sha256-<base64>}: what {@code nix path-info --json} prints. */
    public String toSri() {
        return algorithm + "-" + Base64.getEncoder().encodeToString(digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NixHash h && h.algorithm.equals(algorithm) && Arrays.equals(h.digest, digest);
    }

    @Override
    public int hashCode() {
        return algorithm.hashCode() * 31 + Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return toPrefixedNix32();
    }
}
