package dev.nixpool.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.FramedInputStream;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.worker.ClientHandshakeInfo;
import dev.nixpool.nix.worker.StderrMessage;
import dev.nixpool.nix.worker.StderrWriter;
import dev.nixpool.nix.worker.WorkerProtocol;
import dev.nixpool.nix.worker.WorkerServerHandshake;
import dev.nixpool.nix.worker.WorkerVersion;

/**
 * The server side of {@code nix-daemon --stdio} that an ssh-ng:// client talks to, for one connection: the worker
 * protocol on the client's side, the builder's serve protocol behind it (through {@link BuilderSession}, as
 * {@link ServeEndpoint} does for ssh://). Until BuildDerivation names the derivation the inputs the client uploads
 * (AddMultipleToStore, AddToStoreNar) go into the {@link InputSpool}; afterwards path infos and NARs come from the
 * builder.
 * <p>
 * We speak protocol 1.34, Nix 2.8's: newer clients take the minimum (their feature exchange starts at 1.38), so every
 * shape on the wire is one Nix 2.8's own daemon sends. The input is hostile: strings, lists and each request are
 * bounded, NARs are bounded on disk before a byte is read. An error, and any operation the gateway does not serve, ends
 * the connection with STDERR_ERROR as the daemon sends it (the client shows {@code error: ...}), never a hang.
 */
public final class WorkerEndpoint extends ProtocolEndpoint {

    /** 1.34, Nix 2.8's. */
    static final int VERSION = 0x122;
    /** What {@code nix store ping} shows as the store's version. */
    static final String NIX_VERSION = "2.8.0 (nixpool gateway)";
    private static final int MAX_OPTIONS = 1024;
    /** Names for the refusal of operations a build hook never sends (src/libstore/worker-protocol.hh). */
    private static final Map<Integer, String> OP_NAMES = Map.ofEntries(Map.entry(7, "AddToStore"),
            Map.entry(8, "AddTextToStore"), Map.entry(9, "BuildPaths"), Map.entry(10, "EnsurePath"),
            Map.entry(12, "AddIndirectRoot"), Map.entry(14, "FindRoots"), Map.entry(20, "CollectGarbage"),
            Map.entry(23, "QueryAllValidPaths"), Map.entry(25, "QuerySubstitutablePathInfos"),
            Map.entry(40, "QueryMissing"), Map.entry(41, "QueryDerivationOutputMap"),
            Map.entry(42, "RegisterDrvOutput"), Map.entry(43, "QueryRealisation"),
            Map.entry(46, "BuildPathsWithResults"),
            Map.entry(47, "AddPermRoot"));

    private final ClientStderr sshStderr;

    private StderrWriter messages;
    private int minor;
    /** Set once an operation's STDERR_LAST went out: an error from then on can only end the connection. */
    private boolean replying;
    private boolean handshaken;
    private BuildOptions options = BuildOptions.DEFAULTS;

    /** Without an early builder: every upload is spooled, then replayed. */
    public WorkerEndpoint(ClientIdentity client, String user, BuilderBroker broker, BuilderDialer dialer,
            InputSpool spool, GatewayLimits limits, ClientStderr sshStderr) {
        this(new BuilderSession(client, user, broker, dialer, spool, null), limits, sshStderr);
    }

    WorkerEndpoint(BuilderSession session, GatewayLimits limits, ClientStderr sshStderr) {
        super(session, limits);
        this.sshStderr = sshStderr;
    }

    @Override
    void converse() throws IOException, BrokerException, InterruptedException {
        handshake();
        while (nextOperation()) {
            synchronized (out) {
                out.flush();
            }
        }
    }

    /**
     * Nix 2.8's order: magic, our version, the client's version and obsolete words, our Nix version, then the stderr
     * channel up to STDERR_LAST. Whether the SSH user names a usable pool is told there, so the client says it cannot
     * open the store; nothing is queued.
     */
    private void handshake() throws IOException, BrokerException {
        budget.limit(64 * 1024);
        WorkerVersion version;
        try {
            version = WorkerServerHandshake.accept(in, out, VERSION, Set.of());
        } catch (ClientProtocolException e) {
            throw e;
        } catch (NixWireException e) {
            throw new ClientProtocolException("protocol mismatch: " + e.getMessage());
        }
        minor = version.minor();
        if (minor < 23) {
            throw new ClientProtocolException("worker protocol 1." + minor + " predates framed uploads (1.23); "
                    + "the gateway serves Nix 2.4 and later");
        }
        WorkerServerHandshake.finish(in, out, version, new ClientHandshakeInfo(Optional.of(NIX_VERSION),
                Optional.of(true)));
        messages = new StderrWriter(out, version.number());
        handshaken = true;
        session.resolveRoute();
        last();
        out.flush();
    }

    /** One operation and its reply; false at the end of the client's input. */
    private boolean nextOperation() throws IOException, BrokerException, InterruptedException {
        replying = false;
        OptionalLong next = nextRequest("the operation number");
        if (next.isEmpty()) {
            return false;
        }
        long op = next.getAsLong();
        switch ((int) Math.min(op, Integer.MAX_VALUE)) {
            case WorkerProtocol.OP_IS_VALID_PATH -> isValidPath();
            case WorkerProtocol.OP_ADD_TEMP_ROOT -> addTempRoot();
            case WorkerProtocol.OP_SET_OPTIONS -> setOptions();
            case WorkerProtocol.OP_QUERY_PATH_INFO -> queryPathInfo();
            case WorkerProtocol.OP_QUERY_VALID_PATHS -> queryValidPaths();
            case WorkerProtocol.OP_BUILD_DERIVATION -> buildDerivation();
            case WorkerProtocol.OP_NAR_FROM_PATH -> narFromPath();
            case WorkerProtocol.OP_ADD_TO_STORE_NAR -> addToStoreNar();
            case WorkerProtocol.OP_ADD_MULTIPLE_TO_STORE -> addMultipleToStore();
            default -> throw new ClientProtocolException("the gateway does not serve worker operation "
                    + Long.toUnsignedString(op) + Optional.ofNullable(OP_NAMES.get((int) Math.min(op, 1000)))
                            .map(n -> " (" + n + ")").orElse("")
                    + "; it serves what a remote build needs: QueryValidPaths, AddMultipleToStore, AddToStoreNar, "
                    + "BuildDerivation, QueryPathInfo, NarFromPath");
        }
        return true;
    }

    private void isValidPath() throws IOException {
        StorePath path = readPath("path to check");
        boolean valid = !validAmong(List.of(path)).isEmpty();
        last();
        out.writeBool(valid);
    }

    /** The builder keeps what it built until the client hangs up; there is nothing to pin. */
    private void addTempRoot() throws IOException {
        readPath("path to keep");
        last();
        out.writeU64(1);
    }

    /**
     * The build settings a client may send (Nix's SSH stores do not): maxSilentTime and keepFailed go to the build;
     * the rest (verbosity, jobs, overrides) concern a daemon's own builds, not the builder's.
     */
    private void setOptions() throws IOException {
        boolean keepFailed = in.readBool("keepFailed");
        in.readBool("keepGoing");
        in.readBool("tryFallback");
        in.readUnsignedInt("verbosity");
        in.readUnsignedInt("maxBuildJobs");
        long maxSilentTime = in.readUnsignedInt("maxSilentTime");
        in.readUnsignedInt("useBuildHook");
        in.readUnsignedInt("verboseBuild");
        in.readUnsignedInt("logType");
        in.readUnsignedInt("printBuildTrace");
        in.readUnsignedInt("buildCores");
        in.readBool("useSubstitutes");
        in.readStringMap("setting override", MAX_OPTIONS, 64 * 1024);
        options = new BuildOptions(maxSilentTime, options.buildTimeout(), options.maxLogSize(), 0, true, keepFailed);
        last();
    }

    private void queryValidPaths() throws IOException {
        List<StorePath> paths = readPaths("path to check");
        boolean substitute = minor >= 27 && in.readBool("substitute");
        Collection<StorePath> valid = session.onBuilder()
                ? session.builder(b -> b.queryValidPaths(false, substitute, paths))
                : spool.validAmong(paths);
        last();
        writePaths(valid);
    }

    private void queryPathInfo() throws IOException {
        StorePath path = readPath("path to describe");
        Optional<ValidPathInfo> info = session.onBuilder() ? builderInfo(path) : spool.info(path);
        if (info.isEmpty() && minor < 17) {
            throw new ClientProtocolException("path '" + path + "' is not valid");
        }
        last();
        out.writeBool(info.isPresent());
        if (info.isPresent()) {
            writeInfo(info.get());
        }
    }

    private void narFromPath() throws IOException {
        StorePath path = readPath("path to dump");
        if (!session.onBuilder() && !spool.contains(path)) {
            throw new ClientProtocolException("path '" + path + "' is not valid");
        }
        last();
        if (session.onBuilder()) {
            session.builder(b -> b.dumpStorePath(path, out.stream()));
            return;
        }
        try (InputStream nar = spool.open(path)) {
            nar.transferTo(out.stream());
        }
    }

    private void addToStoreNar() throws IOException {
        ValidPathInfo info = readInfo(readPath("path to add"));
        in.readBool("repair");
        in.readBool("dontCheckSigs");
        FramedInputStream nar = new FramedInputStream(in.stream());
        budget.unlimited();
        addNar(info, nar);
        endOfFrames(nar, "the NAR of " + info.path());
        last();
    }

    /** Nix 2.8's upload: a framed stream of a count, then per path its info and NAR, dependencies first. */
    private void addMultipleToStore() throws IOException {
        in.readBool("repair");
        in.readBool("dontCheckSigs");
        FramedInputStream frames = new FramedInputStream(in.stream());
        WireReader framed = new WireReader(frames);
        long count = framed.readBounded("number of paths to add", limits.maxSpoolPaths());
        for (long i = 0; i < count; i++) {
            budget.limit(limits.maxRequestBytes());
            ValidPathInfo info = readInfo(framed, StorePath.parse(framed.readString("path to add", MAX_PATH)));
            budget.unlimited();
            addNar(info, frames);
        }
        endOfFrames(frames, "the paths added");
        last();
    }

    private void addNar(ValidPathInfo info, InputStream nar) throws IOException {
        session.upload(info, nar);
    }

    /** What follows a NAR in its frames must be the end: more would be read into nothing, however long it goes on. */
    private void endOfFrames(FramedInputStream frames, String what) throws IOException {
        budget.limit(limits.maxRequestBytes());
        if (frames.read() >= 0) {
            throw new ClientProtocolException("expected the end of the framed data after " + what
                    + ", got more bytes");
        }
    }

    private void buildDerivation() throws IOException, BrokerException, InterruptedException {
        StorePath drvPath = readPath("derivation path");
        Derivation drv = BasicDerivationCodec.read(in);
        long mode = in.readUnsignedInt("build mode");
        if (mode != 0) {
            throw new ClientProtocolException("the gateway builds in normal mode only (build mode " + mode
                    + " asked: 1 is repair, 2 is check)");
        }
        ClientStderr inBand = new ClientStderr(new NextMessages(), "nixpool-gateway-worker-log");
        BuildResult result;
        try {
            result = session.build(drvPath, drv, options, inBand::line);
        } finally {
            inBand.close();
        }
        last();
        BuildResultCodec.write(out, result, BuildResultCodec.Shape.worker(minor));
    }

    /** Lines written to it go to the client as STDERR_NEXT messages while an operation runs. */
    private final class NextMessages extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (out) {
                messages.write(new StderrMessage.Next(new String(b, off, len, StandardCharsets.UTF_8)));
            }
        }

        @Override
        public void flush() throws IOException {
            synchronized (out) {
                out.flush();
            }
        }
    }

    private void last() throws IOException {
        synchronized (out) {
            messages.write(new StderrMessage.Last());
        }
        replying = true;
    }

    /**
     * A failure: in-band as the daemon sends it while the client waits for an operation's result, else on SSH's
     * stderr (before the handshake, or after a reply started).
     */
    @Override
    void report(String failure) {
        if (handshaken && !replying) {
            try {
                synchronized (out) {
                    messages.write(new StderrMessage.Error("Error", 0, "Error", failure, List.of(), 1));
                    out.flush();
                }
                return;
            } catch (IOException e) {
                // the client is gone; SSH's stderr may still reach it
            }
        }
        sshStderr.line("error: " + failure);
    }

    private Collection<StorePath> validAmong(List<StorePath> paths) throws IOException {
        return session.onBuilder()
                ? session.builder(b -> b.queryValidPaths(false, false, paths))
                : spool.validAmong(paths);
    }

    private ValidPathInfo readInfo(StorePath path) throws IOException {
        return readInfo(in, path);
    }

    /** QueryPathInfo's reply: unkeyed, sets sorted as Nix's std::set. */
    private void writeInfo(ValidPathInfo info) throws IOException {
        out.writeString(info.deriver() == null ? "" : info.deriver().toString())
                .writeString(info.narHash().toBase16());
        TreeSet<String> refs = new TreeSet<>();
        info.references().forEach(r -> refs.add(r.toString()));
        out.writeStrings(refs).writeU64(info.registrationTime()).writeU64(info.narSize()).writeBool(info.ultimate())
                .writeStrings(new TreeSet<>(info.sigs())).writeString(info.ca());
    }

    /** The builder's serve protocol has no registration time or ultimate flag: 0 and false, as a copy has them. */
    private Optional<ValidPathInfo> builderInfo(StorePath path) throws IOException {
        List<PathInfo> infos = session.builder(b -> b.queryPathInfos(List.of(path)));
        Optional<PathInfo> found = infos.stream().filter(p -> p.path().equals(path)).findFirst();
        if (found.isPresent() && found.get().narHash() == null) {
            throw new ClientProtocolException("the builder sent no narHash for " + path);
        }
        return found.map(p -> new ValidPathInfo(p.path(), p.deriver(), p.narHash(), p.references(), 0, p.narSize(),
                false, p.sigs(), p.ca()));
    }
}
