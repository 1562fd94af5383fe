package dev.nixpool.nix.cache;

import java.util.OptionalInt;

import dev.nixpool.nix.store.StorePath;

/**
 * A binary cache's {@code nix-cache-info} (src/libstore/binary-cache-store.cc): the store directory its paths belong
 * to, whether clients may ask it about many paths at once, and its priority among substituters (lower first; Nix
 * defaults to 50). {@code wantMassQuery} null and {@code priority} empty leave those lines out, as {@code nix copy}
 * does for a file:// cache.
 */
public record NixCacheInfo(String storeDir, Boolean wantMassQuery, OptionalInt priority) {

    public static final String KEY = "nix-cache-info";

    public NixCacheInfo {
        if (storeDir == null || !storeDir.startsWith("/") || storeDir.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("StoreDir must be an absolute path");
        }
    }

    /** What {@code nix copy --to file://} writes: only {@code StoreDir: /nix/store}. */
    public static NixCacheInfo ofStoreDir() {
        return new NixCacheInfo(StorePath.STORE_DIR, null, OptionalInt.empty());
    }

    public String toText() {
        StringBuilder s = new StringBuilder("StoreDir: ").append(storeDir).append('\n');
        if (wantMassQuery != null) {
            s.append("WantMassQuery: ").append(wantMassQuery ? "1" : "0").append('\n');
        }
        priority.ifPresent(p -> s.append("Priority: ").append(p).append('\n'));
        return s.toString();
    }

    /** Reads the lines Nix reads; others are ignored, as Nix ignores them. */
    public static NixCacheInfo parse(String text) throws NarInfoFormatException {
        String storeDir = null;
        Boolean mass = null;
        OptionalInt priority = OptionalInt.empty();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "StoreDir" -> storeDir = value;
                case "WantMassQuery" -> mass = value.equals("1");
                case "Priority" -> {
                    try {
                        priority = OptionalInt.of(Integer.parseInt(value));
                    } catch (NumberFormatException e) {
                        throw new NarInfoFormatException("expected an integer Priority in nix-cache-info, got '"
                                + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "'");
                    }
                }
                default -> {
                }
            }
        }
        if (storeDir == null) {
            throw new NarInfoFormatException("expected a StoreDir line in nix-cache-info");
        }
        try {
            return new NixCacheInfo(storeDir, mass, priority);
        } catch (IllegalArgumentException e) {
            throw new NarInfoFormatException("nix-cache-info: " + e.getMessage());
        }
    }
}
