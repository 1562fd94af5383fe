package dev.nixpool.nix.worker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyBudget;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireWriter;

/**
 * The worker protocol's ValidPathInfo (src/libstore/worker-protocol.cc): the path (keyed form only), deriver ("" for
 * none), narHash as bare base16 sha256, references, registrationTime, narSize, then (1.16) ultimate, signatures and the
 * content address ("" for none). Sets go out sorted, as Nix's {@code std::set}s do.
 */
public final class WorkerPathInfoCodec {

    static final int MAX_PATH = 4096;
    static final int MAX_PATHS = 1 << 20;
    static final int MAX_SIGS = 1024;

    private WorkerPathInfoCodec() {
    }

    /** The keyed form: the path first. */
    public static ValidPathInfo read(WireReader in, int minor, ReplyBudget budget) throws IOException {
        budget.paths(1, "path info");
        StorePath path = StorePath.parse(in.readString("path of the path info", MAX_PATH));
        return readUnkeyed(in, minor, path, budget);
    }

    /** The unkeyed form (QueryPathInfo's reply), for {@code path}, which the caller knows. */
    public static ValidPathInfo readUnkeyed(WireReader in, int minor, StorePath path, ReplyBudget budget)
            throws IOException {
        budget.paths(1, "deriver");
        StorePath deriver = StorePath.parseOptional(in.readString("deriver", MAX_PATH));
        NixHash narHash = NixHash.parse(withAlgorithm(in.readString("narHash", 256)));
        int count = in.readInt("number of references", MAX_PATHS);
        budget.paths(count, "references");
        List<StorePath> refs = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            refs.add(StorePath.parse(in.readString("reference " + i, MAX_PATH)));
        }
        long registrationTime = in.readBounded("registrationTime", Long.MAX_VALUE);
        long narSize = in.readBounded("narSize", Long.MAX_VALUE);
        boolean ultimate = false;
        List<String> sigs = List.of();
        String ca = "";
        if (minor >= 16) {
            ultimate = in.readBool("ultimate");
            sigs = in.readStrings("signature", MAX_SIGS, MAX_PATH);
            ca = in.readString("content address", MAX_PATH);
        }
        if (!narHash.algorithm().equals("sha256")) {
            throw new NixWireException("expected a sha256 narHash, got " + narHash.algorithm());
        }
        return new ValidPathInfo(path, deriver, narHash, refs, registrationTime, narSize, ultimate, sigs, ca);
    }

    public static void write(WireWriter out, int minor, ValidPathInfo info) throws IOException {
        out.writeString(info.path().toString());
        writeUnkeyed(out, minor, info);
    }

    public static void writeUnkeyed(WireWriter out, int minor, ValidPathInfo info) throws IOException {
        out.writeString(info.deriver() == null ? "" : info.deriver().toString()).writeString(info.narHash().toBase16());
        TreeSet<String> refs = new TreeSet<>();
        info.references().forEach(r -> refs.add(r.toString()));
        out.writeStrings(refs).writeU64(info.registrationTime()).writeU64(info.narSize());
        if (minor >= 16) {
            out.writeBool(info.ultimate()).writeStrings(new TreeSet<>(info.sigs())).writeString(info.ca());
        }
    }

    /** Nix's parseAny with sha256 as the default: a bare hash is sha256, a prefixed one says its algorithm. */
    private static String withAlgorithm(String hash) {
        return hash.indexOf(':') > 0 || hash.indexOf('-') > 0 ? hash : "sha256:" + hash;
    }
}
