package dev.nixpool.nix.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildOptionsCodec;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.build.BuiltOutput;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.serve.ServePathInfoCodec;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireWriter;
import dev.nixpool.nix.worker.ClientHandshakeInfo;
import dev.nixpool.nix.worker.WorkerPathInfoCodec;
import dev.nixpool.nix.worker.WorkerProtocol;

/** Valid inputs of every decoder, the seeds the fuzzers mutate. */
final class Samples {

    static final String P1 = "/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t";
    static final String P2 = "/nix/store/g1w7hy3qg1w7hy3qg1w7hy3qg1w7hy3q-bar";
    static final String DRV = "/nix/store/g1w7hy3qg1w7hy3qg1w7hy3qg1w7hy3q-bar.drv";
    static final String ATERM = "Derive([(\"out\",\"/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t\",\"\",\"\")],"
            + "[(\"/nix/store/22222222222222222222222222222222-a.drv\",[\"lib\",\"out\"])],"
            + "[\"/nix/store/33333333333333333333333333333333-src\"],\"x86_64-linux\",\"/bin/sh\","
            + "[\"-c\",\"echo \\\"q\\\" \\\\ \\t\\n\\r done > $out\"],[(\"builder\",\"/bin/sh\"),(\"name\",\"t\"),"
            + "(\"out\",\"/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t\"),(\"requiredSystemFeatures\",\"kvm\"),"
            + "(\"system\",\"x86_64-linux\")])";
    static final String FIXED_ATERM = "Derive([(\"out\",\"/nix/store/g9v7xy7pc4hwxmpmddw8fg8jhpqlzzps-t\","
            + "\"r:sha256\",\"1b8f9ac1a7c3d1e1ee1f3c8b8c1b8f9ac1a7c3d1e1ee1f3c8b8c1b8f9ac1a7c3\")],[],[],"
            + "\"x86_64-linux\",\"builtin:fetchurl\",[],[(\"__json\",\"{\\\"a\\\":[1,2]}\"),(\"url\",\"http://x\")])";

    private Samples() {
    }

    interface Writes {
        void to(WireWriter out) throws IOException;
    }

    static byte[] wire(Writes w) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            w.to(new WireWriter(bytes));
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StorePath path(String p) {
        try {
            return StorePath.parse(p);
        } catch (NixWireException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Derivation derivation() {
        try {
            return ATermParser.parse(ATERM);
        } catch (NixWireException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static NixHash narHash() {
        return NixHash.sha256Of("nar".getBytes(StandardCharsets.UTF_8));
    }

    /** A NAR with a directory, an executable, a plain file and a symlink. */
    static byte[] nar() {
        return wire(out -> {
            for (String t : List.of("nix-archive-1", "(", "type", "directory", "entry", "(", "name", "bin", "node",
                    "(", "type", "regular", "executable", "", "contents", "#!/bin/sh\necho hi\n", ")", ")", "entry",
                    "(", "name", "lib", "node", "(", "type", "symlink", "target", "../x", ")", ")", "entry", "(",
                    "name", "z", "node", "(", "type", "regular", "contents", "", ")", ")", ")")) {
                out.writeString(t);
            }
        });
    }

    static BuildResult built(String id) {
        return new BuildResult(BuildStatus.BUILT, "", 1, false, 30, 50,
                Map.of("out", new BuiltOutput("out", P1, id, List.of("k:sig"))), OptionalLong.of(5),
                OptionalLong.empty());
    }

    /** What {@code nix-store --serve} answers to ServeClient's handshake and the commands DecoderFuzzTest sends. */
    static List<byte[]> serveReplies() {
        return List.of(serveReplies(0x207), serveReplies(0x205), serveReplies(0x208));
    }

    static byte[] serveReplies(int version) {
        int minor = ServeProtocol.minor(Math.min(version, ServeProtocol.CLIENT_VERSION));
        return wire(out -> {
            out.writeU64(ServeProtocol.MAGIC_2).writeU64(version);
            out.writeStrings(List.of(P1, P2));
            out.writeString(P1);
            ServePathInfoCodec.write(out, minor, new PathInfo(path(P1), path(DRV), List.of(path(P1), path(P2)), 10,
                    12, narHash(), "", List.of("k:sig")));
            out.writeString(P2);
            ServePathInfoCodec.write(out, minor,
                    new PathInfo(path(P2), null, List.of(), 1, 1, narHash(), "fixed:r:sha256:x", List.of()));
            out.writeString("");
            BuildResultCodec.write(out, built("sha256:" + "0".repeat(64) + "!out"),
                    BuildResultCodec.Shape.serve(minor));
            out.writeStrings(List.of(P1));
            out.writeU64(1).writeString("error: build of 'x' failed");
            out.stream().write(nar());
            out.writeU64(1);
        });
    }

    /** What a serve client (Nix) sends a server: handshake, BuildDerivation with its derivation and options. */
    static List<byte[]> serveRequests() {
        return List.of(serveRequest(0x207), serveRequest(0x205), serveRequest(0x208));
    }

    private static byte[] serveRequest(int version) {
        return wire(out -> {
            out.writeU64(ServeProtocol.MAGIC_1).writeU64(version);
            out.writeU64(ServeProtocol.CMD_BUILD_DERIVATION).writeString(DRV);
            BasicDerivationCodec.write(out, derivation());
            BuildOptionsCodec.write(out, new BuildOptions(5, 6, 7, 8, true, true), ServeProtocol.minor(version));
        });
    }

    /** What a daemon sends a client: handshake, stderr messages of every kind, a BuildResult and a path info. */
    static List<byte[]> workerReplies() {
        return List.of(workerReply(0x122, false), workerReply(0x122, true), workerReply(0x119, true),
                workerReply(0x125, false));
    }

    private static byte[] workerReply(int version, boolean error) {
        int minor = WorkerProtocol.minor(Math.min(version, WorkerProtocol.CLIENT_VERSION));
        return wire(out -> {
            out.writeU64(WorkerProtocol.MAGIC_2).writeU64(version);
            new ClientHandshakeInfo(java.util.Optional.of("2.8.0"), java.util.Optional.of(true)).write(out, minor);
            out.writeU64(WorkerProtocol.STDERR_LAST);
            out.writeU64(WorkerProtocol.STDERR_NEXT).writeString("building '" + DRV + "'...\n");
            out.writeU64(WorkerProtocol.STDERR_START_ACTIVITY).writeU64(7).writeU64(3).writeU64(105)
                    .writeString("building").writeU64(2).writeU64(0).writeU64(1).writeU64(1).writeString(DRV)
                    .writeU64(0);
            out.writeU64(WorkerProtocol.STDERR_RESULT).writeU64(7).writeU64(101).writeU64(1).writeU64(1)
                    .writeString("a log line");
            out.writeU64(WorkerProtocol.STDERR_WRITE).writeString("data");
            out.writeU64(WorkerProtocol.STDERR_STOP_ACTIVITY).writeU64(7);
            if (error) {
                out.writeU64(WorkerProtocol.STDERR_ERROR);
                if (minor >= 26) {
                    out.writeString("Error").writeU64(0).writeString("Error").writeString("it failed").writeU64(0)
                            .writeU64(1).writeU64(0).writeString("while building");
                } else {
                    out.writeString("it failed").writeU64(1);
                }
                return;
            }
            out.writeU64(WorkerProtocol.STDERR_LAST);
            BuildResultCodec.write(out, built("sha256:" + "0".repeat(64) + "!out"),
                    BuildResultCodec.Shape.worker(minor));
            WorkerPathInfoCodec.write(out, minor, new ValidPathInfo(path(P1), path(DRV), narHash(),
                    List.of(path(P2)), 1, 12, false, List.of("k:sig"), ""));
        });
    }

    /** What a current Nix client sends a daemon: handshake at 1.38 with features, the obsolete words. */
    static List<byte[]> workerRequests() {
        return List.of(wire(out -> out.writeU64(WorkerProtocol.MAGIC_1).writeU64(0x126)
                .writeStrings(List.of("realisation-with-path-not-hash", "x")).writeU64(1).writeU64(3).writeU64(0)),
                wire(out -> out.writeU64(WorkerProtocol.MAGIC_1).writeU64(0x122).writeU64(0).writeU64(0)));
    }
}
