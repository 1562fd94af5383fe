package dev.nixpool.nix.serve;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildOptionsCodec;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.nar.ExportWriter;
import dev.nixpool.nix.nar.NarCopier;
import dev.nixpool.nix.nar.NarDigest;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyBudget;
import dev.nixpool.nix.wire.ReplyLimitExceededException;
import dev.nixpool.nix.wire.ReplyLimits;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;

/**
 * Client of {@code nix-store --serve --write} over any pair of streams (a local process, an SSH exec channel). Not
 * thread-safe: one command at a time, as the protocol itself. The remote's stderr (build logs, {@code error: ...}) is
 * the transport's business: the serve protocol has no in-band errors, a failing server just closes the stream, which
 * shows here as a {@link WireTruncatedException}.
 */
public class ServeClient {

    /** How much of a login banner we keep for the error message. */
    private static final int MAX_BANNER = 4096;
    /** Bounds for replies: a store path is far below 4 KiB, a closure far below a million paths. */
    static final int MAX_PATH = 4096;
    static final int MAX_PATHS = 1 << 20;
    static final int MAX_SIGS = 1024;
    static final int BUFFER = 64 * 1024;
    /** The most of a NAR one read takes on its way to the server ({@link #copyExactly}). */
    static final int NAR_CHUNK = 1024 * 1024;

    private final ReplyBudget budget;
    private final WireReader in;
    private final WireWriter out;
    private int remoteVersion = -1;

    public ServeClient(InputStream fromRemote, OutputStream toRemote) {
        this(fromRemote, toRemote, ReplyLimits.DEFAULTS);
    }

    /** With {@code limits} on every whole reply; going over one is a {@link ReplyLimitExceededException}. */
    public ServeClient(InputStream fromRemote, OutputStream toRemote, ReplyLimits limits) {
        this.budget = new ReplyBudget(new BufferedInputStream(fromRemote, BUFFER), limits);
        this.in = new WireReader(budget);
        this.out = new WireWriter(new BufferedOutputStream(toRemote, BUFFER));
    }

    /**
     * Sends our magic and version, then reads the server's. Returns the server's version (0x207 for Nix 2.8). A
     * stream that does not start with Nix's magic gives a {@link ProtocolMismatchException} holding what was printed.
     */
    public int handshake() throws IOException {
        budget.start("the handshake");
        out.writeU64(ServeProtocol.MAGIC_1).writeU64(ServeProtocol.CLIENT_VERSION).flush();
        byte[] first = new byte[8];
        in.readFully(first, 0, 8, "the server's magic number");
        long magic = 0;
        for (int i = 7; i >= 0; i--) {
            magic = (magic << 8) | (first[i] & 0xff);
        }
        if (magic != ServeProtocol.MAGIC_2) {
            throw new ProtocolMismatchException(restOfLine(first));
        }
        long wireVersion = in.readUnsignedInt("the server's protocol version");
        // Nix only looks at the low 16 bits; anything above them is corruption, not a newer Nix.
        int version = (int) wireVersion;
        if (wireVersion > 0xFFFF || ServeProtocol.major(version) != ServeProtocol.MAJOR) {
            throw new NixWireException("unsupported 'nix-store --serve' protocol version 0x"
                    + Long.toHexString(wireVersion) + " (expected 2.x, 0x2xx)");
        }
        remoteVersion = version;
        return version;
    }

    public int remoteVersion() {
        if (remoteVersion < 0) {
            throw new IllegalStateException("handshake() has not completed");
        }
        return remoteVersion;
    }

    /** The minor version both sides speak: ours is 7, a HEAD server picks the minimum too. */
    public int minor() {
        return Math.min(ServeProtocol.minor(remoteVersion()), ServeProtocol.minor(ServeProtocol.CLIENT_VERSION));
    }

    /** Which of {@code paths} the remote has; {@code lock} and {@code substitute} act only with --write. */
    public Set<StorePath> queryValidPaths(boolean lock, boolean substitute, Collection<StorePath> paths)
            throws IOException {
        command(ServeProtocol.CMD_QUERY_VALID_PATHS).writeBool(lock).writeBool(substitute);
        writePaths(paths);
        out.flush();
        return readPathSet("valid path");
    }

    /** Infos of the valid ones among {@code paths}; invalid paths are left out, as Nix does. */
    public List<PathInfo> queryPathInfos(Collection<StorePath> paths) throws IOException {
        command(ServeProtocol.CMD_QUERY_PATH_INFOS);
        writePaths(paths);
        out.flush();
        List<PathInfo> infos = new ArrayList<>();
        while (true) {
            String p = in.readString("path in the path infos", MAX_PATH);
            if (p.isEmpty()) {
                return infos;
            }
            if (infos.size() >= MAX_PATHS) {
                throw new NixWireException("expected at most " + MAX_PATHS + " path infos, got more");
            }
            budget.paths(1, "path info " + infos.size());
            infos.add(ServePathInfoCodec.read(in, minor(), StorePath.parse(p), budget));
        }
    }

    /**
     * Streams the NAR of {@code path} into {@code nar} (not closed) and returns its hash and size. The reply has no
     * length prefix; parsing it is how its end is found, so a corrupt NAR is a {@code NarFormatException}.
     */
    public NarDigest dumpStorePath(StorePath path, OutputStream nar) throws IOException {
        command(ServeProtocol.CMD_DUMP_STORE_PATH).writeString(path.toString());
        out.flush();
        budget.streaming();
        return NarCopier.copy(in.stream(), nar);
    }

    /**
     * Adds one path: {@code info} and exactly {@code info.narSize()} NAR bytes from {@code nar}. The server checks the
     * NAR against narHash and narSize and, on a mismatch, fails with a message on its stderr.
     */
    public void addToStoreNar(ValidPathInfo info, InputStream nar) throws IOException {
        if (minor() < 5) {
            throw new NixWireException(
                    "AddToStoreNar needs serve protocol 2.5, the server speaks " + ServeProtocol.format(remoteVersion));
        }
        command(ServeProtocol.CMD_ADD_TO_STORE_NAR).writeString(info.path().toString())
                .writeString(info.deriver() == null ? "" : info.deriver().toString())
                .writeString(info.narHash().toBase16());
        writePaths(info.references());
        out.writeU64(info.registrationTime()).writeU64(info.narSize()).writeBool(info.ultimate())
                .writeStrings(info.sigs()).writeString(info.ca());
        copyExactly(nar, info.narSize());
        out.flush();
        expectSuccess("AddToStoreNar of " + info.path());
    }

    /** What an ImportPaths request carries: the caller writes its paths, {@link #importPaths} ends the stream. */
    @FunctionalInterface
    public interface ExportSource {
        void writeTo(ExportWriter export) throws IOException;
    }

    public void importPaths(ExportSource source) throws IOException {
        command(ServeProtocol.CMD_IMPORT_PATHS);
        ExportWriter export = new ExportWriter(out.stream());
        source.writeTo(export);
        export.finish();
        out.flush();
        expectSuccess("ImportPaths");
    }

    /**
     * Builds derivations (or checks paths) that must already be in the remote store; each entry is {@code path} or
     * {@code drvPath!out1,out2}. A failed build is an outcome, not an exception.
     */
    public BuildPathsOutcome buildPaths(Collection<String> paths, BuildOptions options) throws IOException {
        command(ServeProtocol.CMD_BUILD_PATHS).writeStrings(paths);
        writeOptions(options);
        out.flush();
        long status = in.readBounded("BuildPaths status", 0xFFFFFFFFL);
        if (status == 0) {
            return new BuildPathsOutcome(0, "");
        }
        return new BuildPathsOutcome(status, in.readString("BuildPaths error", BuildResultCodec.MAX_ERROR));
    }

    /** The closure of {@code paths} in the remote store, with the outputs of derivations if {@code includeOutputs}. */
    public Set<StorePath> queryClosure(boolean includeOutputs, Collection<StorePath> paths) throws IOException {
        command(ServeProtocol.CMD_QUERY_CLOSURE).writeBool(includeOutputs);
        writePaths(paths);
        out.flush();
        return readPathSet("closure path");
    }

    /**
     * Builds {@code drv} (inputs already present remotely) as {@code drvPath}; the .drv itself need not be there. Log
     * lines go to the remote's stderr.
     */
    public BuildResult buildDerivation(StorePath drvPath, Derivation drv, BuildOptions options) throws IOException {
        if (!drvPath.isDerivation()) {
            throw new IllegalArgumentException("expected a .drv path, got " + drvPath);
        }
        command(ServeProtocol.CMD_BUILD_DERIVATION).writeString(drvPath.toString());
        BasicDerivationCodec.write(out, drv);
        writeOptions(options);
        out.flush();
        return BuildResultCodec.read(in, BuildResultCodec.Shape.serve(minor()));
    }

    private WireWriter command(int id) throws IOException {
        remoteVersion();
        budget.start("the reply to " + ServeProtocol.commandName(id));
        return out.writeU64(id);
    }

    private void writePaths(Collection<StorePath> paths) throws IOException {
        out.writeU64(paths.size());
        for (StorePath p : paths) {
            out.writeString(p.toString());
        }
    }

    private void writeOptions(BuildOptions o) throws IOException {
        BuildOptionsCodec.write(out, o, minor());
    }

    private List<StorePath> readPathList(String what) throws IOException {
        return ServePathInfoCodec.readPaths(in, what, budget);
    }

    private Set<StorePath> readPathSet(String what) throws IOException {
        return new LinkedHashSet<>(readPathList(what));
    }

    private void expectSuccess(String what) throws IOException {
        long reply = in.readU64("the reply to " + what);
        if (reply != 1) {
            throw new NixWireException("expected 1 (success) in reply to " + what + ", got "
                    + Long.toUnsignedString(reply));
        }
    }

    /**
     * Reads up to {@link #NAR_CHUNK} at a time and writes what each read gave. A relayed stream (the gateway's client
     * channel) is MINA's channel pipe, which holds up to a channel window (2 MiB) and, after a read that leaves bytes
     * in it, moves them all to the front of its buffer: profiled on a 1 GiB relay, reading it 64 KiB at a time made
     * that move a tenth of the relay thread's CPU, several times the bytes relayed. A read this large drains what
     * the pipe holds, so nothing is left to move; and a write this large goes straight to the channel, past the
     * writer's buffer, as before.
     */
    private void copyExactly(InputStream nar, long size) throws IOException {
        byte[] buf = new byte[(int) Math.min(NAR_CHUNK, Math.max(size, 1))];
        long left = size;
        while (left > 0) {
            int n = nar.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new WireTruncatedException("the NAR to upload", size - left, size);
            }
            out.stream().write(buf, 0, n);
            left -= n;
        }
    }

    protected WireReader reader() {
        return in;
    }

    protected WireWriter writer() {
        return out;
    }

    /** Nix does the same: what came instead of the magic, plus the rest of that line, for the error message. */
    private byte[] restOfLine(byte[] first) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        seen.write(first);
        if (containsNewline(first)) {
            return seen.toByteArray();
        }
        InputStream raw = in.stream();
        while (seen.size() < MAX_BANNER) {
            int b = raw.read();
            if (b < 0 || b == '\n') {
                break;
            }
            seen.write(b);
        }
        return seen.toByteArray();
    }

    private static boolean containsNewline(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\n') {
                return true;
            }
        }
        return false;
    }
}
