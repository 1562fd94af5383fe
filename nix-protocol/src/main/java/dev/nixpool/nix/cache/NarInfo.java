package dev.nixpool.nix.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;

/**
 * A binary cache's description of one store path, the {@code <hashPart>.narinfo} file (src/libstore/nar-info.cc).
 * {@code url} is relative to the cache ("nar/&lt;fileHash&gt;.nar.xz"); {@code fileHash} is null and {@code fileSize} 0
 * when unknown, as Nix leaves them; {@code deriver} is null for none; {@code ca} is empty for input-addressed paths.
 */
public record NarInfo(StorePath storePath, String url, String compression, NixHash fileHash, long fileSize,
        NixHash narHash, long narSize, List<StorePath> references, StorePath deriver, List<String> sigs, String ca) {

    public NarInfo {
        references = List.copyOf(references);
        sigs = List.copyOf(sigs);
        if (url == null || url.isEmpty()) {
            throw new IllegalArgumentException("a narinfo needs a URL");
        }
        if (compression == null || compression.isEmpty()) {
            throw new IllegalArgumentException("a narinfo needs a compression ('none' for none)");
        }
        if (narSize <= 0 || fileSize < 0) {
            throw new IllegalArgumentException(
                    "narSize must be positive and fileSize not negative, got " + narSize + " and " + fileSize);
        }
        if (!narHash.algorithm().equals("sha256")) {
            throw new IllegalArgumentException("Nix requires a sha256 NarHash, got " + narHash.algorithm());
        }
        ca = ca == null ? "" : ca;
    }

    /**
     * What a signature covers (ValidPathInfo::fingerprint in src/libstore/path-info.cc):
     * {@code 1;<storePath>;sha256:<nix32 narHash>;<narSize>;<full reference paths, comma-separated, sorted>}. Neither
     * the deriver, nor the CA, nor anything about the compressed file is signed.
     */
    public String fingerprint() {
        return "1;" + storePath + ";" + narHash.toPrefixedNix32() + ";" + narSize + ";"
                + references.stream().sorted().map(StorePath::toString).collect(Collectors.joining(","));
    }

    /** This narinfo with {@code sig} ({@code keyName:base64}) added, unless it is already there. */
    public NarInfo withSignature(String sig) {
        if (sigs.contains(sig)) {
            return this;
        }
        List<String> more = new ArrayList<>(sigs);
        more.add(sig);
        return new NarInfo(storePath, url, compression, fileHash, fileSize, narHash, narSize, references, deriver,
                more, ca);
    }

    /** The cache-relative key of a path's narinfo: {@code <hashPart>.narinfo}. */
    public static String key(StorePath path) {
        return path.hashPart() + ".narinfo";
    }
}
