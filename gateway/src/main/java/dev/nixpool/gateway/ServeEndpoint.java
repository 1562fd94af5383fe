package dev.nixpool.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;

/**
 * The server side of {@code nix-store --serve --write} that a Nix client talks to, for one connection. Until
 * BuildDerivation names the derivation it plays a store of its own: the client's inputs go into the {@link InputSpool}.
 * BuildDerivation picks the pool (the SSH user's, or for {@code auto} the one that fits), queues the build with the
 * {@link BuilderBroker}, waits for its builder, replays the inputs the builder lacks and runs the build there; from then
 * on requests (the outputs' path infos and NARs) go to the builder.
 * <p>
 * The input is hostile: every string and list is bounded, a request besides its NARs is bounded as a whole, NARs are
 * bounded on disk before a byte is read, and any violation ends the connection with Nix's own {@code error: ...} on
 * stderr and exit status 1, as a real {@code nix-store --serve} would.
 */
public final class ServeEndpoint extends ProtocolEndpoint {

    /** Ours: what Nix 2.4 to 2.34 speak. Clients of a newer minor take the minimum. */
    static final int VERSION = ServeProtocol.CLIENT_VERSION;

    private final ClientStderr stderr;
    private int clientMinor;

    /** Without an early builder: every upload is spooled, then replayed. */
    public ServeEndpoint(ClientIdentity client, String user, BuilderBroker broker, BuilderDialer dialer,
            InputSpool spool, GatewayLimits limits, ClientStderr stderr) {
        this(new BuilderSession(client, user, broker, dialer, spool, null), limits, stderr);
    }

    ServeEndpoint(BuilderSession session, GatewayLimits limits, ClientStderr stderr) {
        super(session, limits);
        this.stderr = stderr;
    }

    @Override
    void converse() throws IOException, BrokerException, InterruptedException {
        session.resolveRoute();
        handshake();
        while (nextRequest()) {
            out.flush();
        }
    }

    /** On stderr, as a real {@code nix-store --serve} says it. */
    @Override
    void report(String failure) {
        stderr.line("error: " + failure);
    }

    private void handshake() throws IOException {
        budget.limit(16);
        long magic = in.readUnsignedInt("the client's magic number");
        if (magic != ServeProtocol.MAGIC_1) {
            throw new ClientProtocolException("protocol mismatch: expected 'nix-store --serve' magic 0x"
                    + Long.toHexString(ServeProtocol.MAGIC_1) + ", got 0x" + Long.toHexString(magic));
        }
        out.writeU64(ServeProtocol.MAGIC_2).writeU64(VERSION).flush();
        long version = in.readUnsignedInt("the client's protocol version");
        if (version > 0xFFFF || ServeProtocol.major((int) version) != ServeProtocol.MAJOR) {
            throw new ClientProtocolException("unsupported 'nix-store --serve' client version 0x"
                    + Long.toHexString(version) + " (this gateway speaks 2.x)");
        }
        clientMinor = Math.min(ServeProtocol.minor((int) version), ServeProtocol.minor(VERSION));
    }

    /** One request and its reply; false at the end of the client's input. */
    private boolean nextRequest() throws IOException, BrokerException, InterruptedException {
        OptionalLong next = nextRequest("the command number");
        if (next.isEmpty()) {
            return false;
        }
        long command = next.getAsLong();
        switch ((int) Math.min(command, Integer.MAX_VALUE)) {
            case ServeProtocol.CMD_QUERY_VALID_PATHS -> queryValidPaths();
            case ServeProtocol.CMD_QUERY_PATH_INFOS -> queryPathInfos();
            case ServeProtocol.CMD_DUMP_STORE_PATH -> dumpStorePath();
            case ServeProtocol.CMD_QUERY_CLOSURE -> queryClosure();
            case ServeProtocol.CMD_ADD_TO_STORE_NAR -> addToStoreNar();
            case ServeProtocol.CMD_BUILD_DERIVATION -> buildDerivation();
            case ServeProtocol.CMD_IMPORT_PATHS, ServeProtocol.CMD_EXPORT_PATHS, ServeProtocol.CMD_BUILD_PATHS ->
                throw new ClientProtocolException("the gateway does not serve command " + command
                        + " (ImportPaths, ExportPaths, BuildPaths); Nix 2.4 and later build remotely with"
                        + " AddToStoreNar and BuildDerivation");
            default -> throw new ClientProtocolException("unknown serve command " + Long.toUnsignedString(command));
        }
        return true;
    }

    private void queryValidPaths() throws IOException {
        boolean lock = in.readBool("lock");
        boolean substitute = in.readBool("substitute");
        List<StorePath> paths = readPaths("path to check");
        Collection<StorePath> valid = session.onBuilder()
                ? session.builder(b -> b.queryValidPaths(lock, substitute, paths))
                : spool.validAmong(paths);
        writePaths(valid);
    }

    private void queryPathInfos() throws IOException {
        List<StorePath> paths = readPaths("path to describe");
        List<PathInfo> infos = session.onBuilder()
                ? session.builder(b -> b.queryPathInfos(paths))
                : paths.stream().flatMap(p -> spool.info(p).stream()).map(ServeEndpoint::pathInfo).toList();
        for (PathInfo info : infos) {
            out.writeString(info.path().toString())
                    .writeString(info.deriver() == null ? "" : info.deriver().toString());
            writePaths(info.references());
            out.writeU64(info.downloadSize()).writeU64(info.narSize());
            if (clientMinor >= 4) {
                out.writeString(info.narHash() == null ? "" : info.narHash().toPrefixedNix32())
                        .writeString(info.ca()).writeStrings(info.sigs());
            }
        }
        out.writeString("");
    }

    private void dumpStorePath() throws IOException {
        StorePath path = readPath("path to dump");
        if (session.onBuilder()) {
            session.builder(b -> b.dumpStorePath(path, out.stream()));
            return;
        }
        if (!spool.contains(path)) {
            throw new ClientProtocolException("path '" + path + "' is not valid");
        }
        try (InputStream nar = spool.open(path)) {
            nar.transferTo(out.stream());
        }
    }

    private void queryClosure() throws IOException {
        boolean includeOutputs = in.readBool("includeOutputs");
        List<StorePath> paths = readPaths("path whose closure to compute");
        if (session.onBuilder()) {
            writePaths(session.builder(b -> b.queryClosure(includeOutputs, paths)));
            return;
        }
        Set<StorePath> closure = new LinkedHashSet<>();
        Deque<StorePath> todo = new ArrayDeque<>(paths);
        while (!todo.isEmpty()) {
            StorePath p = todo.pop();
            Optional<ValidPathInfo> info = spool.info(p);
            if (info.isPresent() && closure.add(p)) {
                todo.addAll(info.get().references());
            }
        }
        writePaths(closure);
    }

    private void addToStoreNar() throws IOException {
        if (clientMinor < 5) {
            throw new ClientProtocolException("AddToStoreNar needs serve protocol 2.5 or later");
        }
        StorePath path = readPath("path to add");
        ValidPathInfo info = readInfo(in, path);
        budget.unlimited();
        session.upload(info, in.stream());
        out.writeU64(1);
    }

    private void buildDerivation() throws IOException, BrokerException, InterruptedException {
        StorePath drvPath = readPath("derivation path");
        Derivation drv = BasicDerivationCodec.read(in);
        BuildOptions options = readOptions();
        BuildResult result = session.build(drvPath, drv, options, stderr::line);
        BuildResultCodec.write(out, result, BuildResultCodec.Shape.serve(clientMinor));
    }

    private BuildOptions readOptions() throws IOException {
        long maxSilent = in.readUnsignedInt("maxSilentTime");
        long timeout = in.readBounded("buildTimeout", 0xFFFFFFFFL);
        long maxLogSize = clientMinor >= 2 ? in.readBounded("maxLogSize", Long.MAX_VALUE) : 0;
        long repeats = 0;
        boolean enforce = true;
        if (clientMinor >= 3) {
            repeats = in.readUnsignedInt("nrRepeats");
            enforce = in.readBool("enforceDeterminism");
        }
        boolean keepFailed = clientMinor >= 7 && in.readBool("keepFailed");
        return new BuildOptions(maxSilent, timeout, maxLogSize, repeats, enforce, keepFailed);
    }

    private static PathInfo pathInfo(ValidPathInfo v) {
        return new PathInfo(v.path(), v.deriver(), v.references(), 0, v.narSize(), v.narHash(), v.ca(), v.sigs());
    }
}
