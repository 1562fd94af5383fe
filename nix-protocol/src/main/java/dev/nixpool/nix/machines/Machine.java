package dev.nixpool.nix.machines;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

import dev.nixpool.nix.store.Bytewise;

/**
 * One entry of Nix's machines file (src/libstore/machines.cc), all eight fields. An empty {@code systems} list means
 * "the local system" (Nix's default); {@code sshKey} and {@code publicHostKey} are null when unset; the host key is kept
 * in its base64 form, as it appears in the file.
 */
public record Machine(String storeUri, List<String> systems, String sshKey, int maxJobs, double speedFactor,
        SortedSet<String> supportedFeatures, SortedSet<String> mandatoryFeatures, String publicHostKey) {

    public Machine {
        if (storeUri == null || storeUri.isBlank() || storeUri.equals("-")) {
            throw new MachinesFormatException("a machine needs a store URI");
        }
        checkToken(storeUri, "store URI");
        systems = List.copyOf(systems);
        systems.forEach(s -> checkListItem(s, "system"));
        if (sshKey != null) {
            checkToken(sshKey, "SSH identity file");
        }
        if (maxJobs < 0) {
            throw new MachinesFormatException("maxJobs must not be negative, got " + maxJobs);
        }
        if (!(speedFactor >= 0) || Double.isInfinite(speedFactor)) {
            throw new MachinesFormatException("speedFactor must be a non-negative number, got " + speedFactor);
        }
        // Nix 2.8 raises a speed factor of 0 to 1.
        speedFactor = Math.max(1, speedFactor);
        supportedFeatures = sorted(supportedFeatures, "supported feature");
        mandatoryFeatures = sorted(mandatoryFeatures, "mandatory feature");
        if (publicHostKey != null) {
            checkToken(publicHostKey, "public host key");
            try {
                Base64.getDecoder().decode(publicHostKey);
            } catch (IllegalArgumentException e) {
                throw new MachinesFormatException("expected the public host key in base64, got '"
                        + abbreviate(publicHostKey) + "': " + e.getMessage());
            }
        }
    }

    /** A machine with Nix's defaults for every optional field. */
    public static Machine of(String storeUri) {
        return new Machine(storeUri, List.of(), null, 1, 1, new TreeSet<>(), new TreeSet<>(), null);
    }

    /** The URI Nix uses: a bare host means {@code ssh://host}. */
    public String effectiveStoreUri() {
        if (storeUri.contains("://") || storeUri.equals("local") || storeUri.equals("daemon")
                || storeUri.equals("auto") || storeUri.startsWith("/")) {
            return storeUri;
        }
        return "ssh://" + storeUri;
    }

    /** The host's {@code .pub} line, decoded; null if none was given. */
    public String decodedHostKey() {
        return publicHostKey == null
                ? null
                : new String(Base64.getDecoder().decode(publicHostKey), StandardCharsets.UTF_8);
    }

    /** Encodes a host's {@code .pub} line for the 8th field. */
    public static String encodeHostKey(String pubLine) {
        return Base64.getEncoder().encodeToString(pubLine.strip().getBytes(StandardCharsets.UTF_8));
    }

    private static SortedSet<String> sorted(java.util.Set<String> items, String what) {
        SortedSet<String> s = new TreeSet<>(Bytewise.ORDER);
        for (String i : items) {
            checkListItem(i, what);
            s.add(i);
        }
        return Collections.unmodifiableSortedSet(s);
    }

    private static void checkListItem(String item, String what) {
        checkToken(item, what);
        if (item.contains(",") || item.equals("-")) {
            throw new MachinesFormatException("a " + what + " must not contain ',' or be '-', got '"
                    + abbreviate(item) + "'");
        }
    }

    /** Fields are whitespace separated and ';' and '#' end entries, so none of them may hold those characters. */
    private static void checkToken(String value, String what) {
        if (value.isEmpty()) {
            throw new MachinesFormatException("the " + what + " must not be empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || c == ';' || c == '#' || c < 0x20) {
                throw new MachinesFormatException("the " + what + " must not contain whitespace, ';' or '#', got '"
                        + abbreviate(value) + "'");
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
