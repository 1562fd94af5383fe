package dev.nixpool.gateway;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildResultCodec;
import dev.nixpool.nix.build.BuiltOutput;
import dev.nixpool.nix.derivation.BasicDerivationCodec;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationFormatException;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.InvalidStorePathException;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.WireReader;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.nix.wire.WireWriter;

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
public final class ServeEndpoint {

    /** Ours: what Nix 2.4 to 2.34 speak. Clients of a newer minor take the minimum. */
    static final int VERSION = ServeProtocol.CLIENT_VERSION;
    static final String AUTO = "auto";
    private static final int MAX_PATH = 512;
    private static final int MAX_PATHS = 1 << 16;
    private static final int MAX_SIGS = 256;
    private static final int BUFFER = 64 * 1024;

    private final ClientIdentity client;
    private final String user;
    private final BuilderBroker broker;
    private final BuilderDialer dialer;
    private final InputSpool spool;
    private final GatewayLimits limits;
    private final ClientStderr stderr;

    private WireReader in;
    private WireWriter out;
    private RequestBudget budget;
    private int clientMinor;
    private PoolRoute route;
    private volatile BuildTicket ticket;
    private volatile BuilderLink link;
    private volatile String cancelReason;
    private volatile boolean aborted;
    private BuilderLease lease;
    private boolean built;

    public ServeEndpoint(ClientIdentity client, String user, BuilderBroker broker, BuilderDialer dialer,
            InputSpool spool, GatewayLimits limits, ClientStderr stderr) {
        this.client = client;
        this.user = user;
        this.broker = broker;
        this.dialer = dialer;
        this.spool = spool;
        this.limits = limits;
        this.stderr = stderr;
    }

    /**
     * Serves the connection until the client closes it. Returns the exit status: 0 after a clean end, 1 after an error
     * (already told to the client on stderr).
     */
    public int serve(InputStream fromClient, OutputStream toClient) {
        budget = new RequestBudget(new BufferedInputStream(fromClient, BUFFER));
        in = new WireReader(budget);
        out = new WireWriter(new BufferedOutputStream(toClient, BUFFER));
        String failure = null;
        try {
            resolveRoute();
            handshake();
            while (nextRequest()) {
                out.flush();
            }
            return 0;
        } catch (ClientProtocolException e) {
            failure = e.getMessage();
        } catch (BrokerException e) {
            failure = e.getMessage();
        } catch (IOException e) {
            failure = aborted ? null : describe(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = null;
        } finally {
            end(failure);
        }
        if (failure != null) {
            stderr.line("error: " + failure);
        }
        return 1;
    }

    /** The client hung up (or the server stops): whatever the connection waits for ends, the builder is given back. */
    public void abort() {
        aborted = true;
        closeLink();
        BuildTicket t = ticket;
        if (t != null) {
            t.close();
        }
    }

    private void resolveRoute() throws BrokerException, ClientProtocolException {
        if (AUTO.equals(user)) {
            if (broker.pools(client).isEmpty()) {
                throw new ClientProtocolException("key " + client.name() + " (" + client.fingerprint()
                        + ") may use no pool: no namespace authorises it for one");
            }
            return;
        }
        Optional<PoolRoute> found = broker.route(client, user);
        if (found.isEmpty()) {
            throw new ClientProtocolException("no pool '" + user + "' that key " + client.name()
                    + " may use; pools it may use: " + names(broker.pools(client))
                    + " (or 'auto' to let the gateway choose)");
        }
        route = found.get();
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
        budget.limit(limits.maxRequestBytes());
        int first = in.stream().read();
        if (first < 0) {
            return false;
        }
        byte[] rest = new byte[7];
        in.readFully(rest, 0, 7, "the command number");
        long command = first & 0xff;
        for (int i = 0; i < 7; i++) {
            command |= (rest[i] & 0xffL) << (8 * (i + 1));
        }
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
        Collection<StorePath> valid = link != null
                ? builder(() -> link.client().queryValidPaths(lock, substitute, paths))
                : spool.validAmong(paths);
        writePaths(valid);
    }

    private void queryPathInfos() throws IOException {
        List<StorePath> paths = readPaths("path to describe");
        List<PathInfo> infos = link != null
                ? builder(() -> link.client().queryPathInfos(paths))
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
        if (link != null) {
            builder(() -> link.client().dumpStorePath(path, out.stream()));
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
        if (link != null) {
            writePaths(builder(() -> link.client().queryClosure(includeOutputs, paths)));
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
        StorePath deriver = optionalPath(in.readString("deriver", MAX_PATH));
        NixHash narHash = NixHash.parseBare("sha256", in.readString("narHash", 128));
        List<StorePath> references = readPaths("reference");
        long registrationTime = in.readBounded("registrationTime", Long.MAX_VALUE);
        long narSize = in.readBounded("narSize", Long.MAX_VALUE);
        boolean ultimate = in.readBool("ultimate");
        List<String> sigs = in.readStrings("signature", MAX_SIGS, 1024);
        String ca = in.readString("content address", 1024);
        ValidPathInfo info = new ValidPathInfo(path, deriver, narHash, references, registrationTime, narSize,
                ultimate, sigs, ca);
        budget.unlimited();
        if (link != null) {
            builder(() -> {
                link.client().addToStoreNar(info, in.stream());
                return null;
            });
        } else {
            spool.add(info, in.stream());
        }
        out.writeU64(1);
    }

    private void buildDerivation() throws IOException, BrokerException, InterruptedException {
        if (built) {
            throw new ClientProtocolException("the gateway runs one build per connection; this one already ran "
                    + "BuildDerivation");
        }
        built = true;
        StorePath drvPath = readPath("derivation path");
        if (!drvPath.isDerivation()) {
            throw new ClientProtocolException("expected a .drv path to build, got '" + drvPath + "'");
        }
        Derivation drv = BasicDerivationCodec.read(in);
        BuildOptions options = readOptions();
        Set<String> features;
        try {
            features = drv.requiredSystemFeatures();
        } catch (DerivationFormatException e) {
            throw new ClientProtocolException(e.getMessage());
        }
        PoolRoute pool = choosePool(drvPath, drv.platform(), features);
        BuildTicket t = broker.submit(client, pool, new GatewayBuild(drvPath, drv, features));
        ticket = t;
        t.onCancel(reason -> {
            cancelReason = reason;
            closeLink();
        });
        if (aborted) {
            t.close();
            throw new WireTruncatedException("the client's connection", 0, 1);
        }
        stderr.line("nixpool: " + t.description() + " queued on pool " + pool);
        lease = t.awaitBuilder(line -> stderr.line("nixpool: " + line));
        stderr.line("nixpool: building on " + lease.builderName());
        link = dialer.dial(lease, line -> {
            stderr.line(line);
            t.log(line);
        });
        if (aborted || cancelReason != null) {
            closeLink();
        }
        t.connected(link.description());
        replayInputs(t);
        BuildResult result = builder(() -> link.client().buildDerivation(drvPath, drv, options));
        List<PathInfo> outputs = result.success()
                ? builder(() -> link.client().queryPathInfos(outputPaths(drv,
                        result)))
                : List.of();
        t.finished(new BuildOutcome(result, outputs));
        BuildResultCodec.write(out, result, BuildResultCodec.Shape.serve(clientMinor));
    }

    private PoolRoute choosePool(StorePath drvPath, String system, Set<String> features)
            throws ClientProtocolException {
        if (route != null) {
            if (!PoolChoice.fits(route, system, features)) {
                throw new ClientProtocolException(PoolChoice.noFit(drvPath.toString(), system, features,
                        List.of(route)));
            }
            return route;
        }
        List<PoolRoute> pools = broker.pools(client);
        return PoolChoice.choose(pools, system, features)
                .orElseThrow(() -> new ClientProtocolException(
                        PoolChoice.noFit(drvPath.toString(), system, features, pools)));
    }

    /** What the builder lacks of what the client uploaded, in upload order (dependencies first). */
    private void replayInputs(BuildTicket t) throws IOException {
        List<StorePath> uploaded = spool.paths();
        if (uploaded.isEmpty()) {
            return;
        }
        Set<StorePath> present = builder(() -> link.client().queryValidPaths(false, false, uploaded));
        int sent = 0;
        for (ValidPathInfo info : spool.infos()) {
            if (present.contains(info.path())) {
                continue;
            }
            builder(() -> {
                try (InputStream nar = spool.open(info.path())) {
                    link.client().addToStoreNar(info, nar);
                }
                return null;
            });
            sent++;
        }
        t.log("[nixpool] gateway: " + sent + " of " + uploaded.size() + " uploaded paths copied to the builder, "
                + (uploaded.size() - sent) + " already there");
    }

    private static List<StorePath> outputPaths(Derivation drv, BuildResult result) throws InvalidStorePathException {
        Map<String, StorePath> paths = new LinkedHashMap<>();
        for (Map.Entry<String, DerivationOutput> o : drv.outputs().entrySet()) {
            String path = o.getValue().path();
            if (path.isEmpty()) {
                BuiltOutput built = result.builtOutputs().get(o.getKey());
                path = built != null ? built.outPath() : "";
            }
            if (!path.isEmpty()) {
                paths.put(o.getKey(), StorePath.parse(path));
            }
        }
        return new ArrayList<>(paths.values());
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

    @FunctionalInterface
    private interface BuilderCall<T> {
        T call() throws IOException;
    }

    /** A call on the builder link: its failure is a lost builder (or a cancel), said so to the client and the ticket. */
    private <T> T builder(BuilderCall<T> call) throws IOException {
        BuilderLink current = link;
        try {
            return call.call();
        } catch (ClientProtocolException e) {
            throw e;
        } catch (IOException e) {
            if (aborted) {
                throw e;
            }
            String why = cancelReason != null
                    ? "the build was cancelled: " + cancelReason
                    : "lost builder " + (lease != null ? lease.builderName() : "") + " ("
                            + (current != null ? current.lossReason() : "no link") + "): " + e.getMessage();
            throw new ClientProtocolException(why);
        }
    }

    private void end(String failure) {
        closeLink();
        BuildTicket t = ticket;
        if (t != null) {
            if (failure != null) {
                t.failed(failure);
            }
            t.close();
        }
        spool.close();
    }

    private void closeLink() {
        BuilderLink l = link;
        if (l != null) {
            l.close();
        }
    }

    private List<StorePath> readPaths(String what) throws IOException {
        List<StorePath> paths = new ArrayList<>();
        for (String s : in.readStrings(what, MAX_PATHS, MAX_PATH)) {
            paths.add(StorePath.parse(s));
        }
        return paths;
    }

    private StorePath readPath(String what) throws IOException {
        return StorePath.parse(in.readString(what, MAX_PATH));
    }

    private static StorePath optionalPath(String s) throws InvalidStorePathException {
        return s.isEmpty() ? null : StorePath.parse(s);
    }

    private void writePaths(Collection<StorePath> paths) throws IOException {
        out.writeU64(paths.size());
        for (StorePath p : paths) {
            out.writeString(p.toString());
        }
    }

    private static PathInfo pathInfo(ValidPathInfo v) {
        return new PathInfo(v.path(), v.deriver(), v.references(), 0, v.narSize(), v.narHash(), v.ca(), v.sigs());
    }

    private static String names(List<PoolRoute> pools) {
        return pools.isEmpty() ? "none" : String.join(", ", pools.stream().map(PoolRoute::toString).toList());
    }

    private static String describe(IOException e) {
        return e instanceof NixWireException ? e.getMessage() : "the connection failed: " + e;
    }
}
