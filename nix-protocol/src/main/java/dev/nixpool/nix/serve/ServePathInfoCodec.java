package dev.nixpool.nix.serve;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.wire.ReplyBudget;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The serve protocol's UnkeyedValidPathInfo (src/libstore/serve-protocol.cc): deriver ("" for none), references,
 * downloadSize, narSize, then (2.4) narHash as {@code sha256:<nix32>} ("" when unknown), content address ("" for
 * none) and signatures. QueryPathInfos sends the path itself before each one.
 */
public final class ServePathInfoCodec {

    private ServePathInfoCodec() {
    }

    /** Reads the info of {@code path}; every store path read counts against {@code budget}. */
    public static PathInfo read(WireReader in, int serveMinor, StorePath path, ReplyBudget budget) throws IOException {
        String p = path.toString();
        budget.paths(1, "derivers");
        StorePath deriver = StorePath.parseOptional(in.readString("deriver of " + p, ServeClient.MAX_PATH));
        List<StorePath> refs = readPaths(in, "reference of " + p, budget);
        long downloadSize = in.readBounded("downloadSize of " + p, Long.MAX_VALUE);
        long narSize = in.readBounded("narSize of " + p, Long.MAX_VALUE);
        NixHash narHash = null;
        String ca = "";
        List<String> sigs = List.of();
        if (serveMinor >= 4) {
            String hash = in.readString("narHash of " + p, 256);
            narHash = hash.isEmpty() ? null : NixHash.parse(hash);
            ca = in.readString("content address of " + p, ServeClient.MAX_PATH);
            sigs = in.readStrings("signature of " + p, ServeClient.MAX_SIGS, ServeClient.MAX_PATH);
        }
        return new PathInfo(path, deriver, refs, downloadSize, narSize, narHash, ca, sigs);
    }

    /** As Nix writes it: references and signatures sorted (they are sets there), the hash in nix32. */
    public static void write(WireWriter out, int serveMinor, PathInfo info) throws IOException {
        out.writeString(info.deriver() == null ? "" : info.deriver().toString());
        TreeSet<String> refs = new TreeSet<>();
        info.references().forEach(r -> refs.add(r.toString()));
        out.writeStrings(refs).writeU64(info.downloadSize()).writeU64(info.narSize());
        if (serveMinor >= 4) {
            out.writeString(info.narHash() == null ? "" : info.narHash().toPrefixedNix32()).writeString(info.ca())
                    .writeStrings(new TreeSet<>(info.sigs()));
        }
    }

    static List<StorePath> readPaths(WireReader in, String what, ReplyBudget budget) throws IOException {
        int count = in.readInt("number of " + what, ServeClient.MAX_PATHS);
        budget.paths(count, what);
        List<StorePath> paths = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            paths.add(StorePath.parse(in.readString(what + "[" + i + "]", ServeClient.MAX_PATH)));
        }
        return paths;
    }
}
