package dev.nixpool.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuiltOutput;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationFormatException;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.store.InvalidStorePathException;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.WireTruncatedException;

/**
 * The builder side of one client connection, whatever protocol the client speaks: the pool the SSH user names (or, for
 * {@code auto}, the one that fits the derivation), the build queued with the {@link BuilderBroker}, the leased builder's
 * serve link, the spooled inputs it lacks replayed, and the build run there. Until {@link #build} the client's inputs
 * live in the {@link InputSpool}; afterwards {@link #builder} is the builder's store. For a named pool they also stream,
 * as they are spooled, into the builder the build will most likely get ({@link EarlyBuilder}), so that usually nothing
 * is left to replay.
 */
final class BuilderSession {

    static final String AUTO = "auto";

    private final ClientIdentity client;
    private final String user;
    private final BuilderBroker broker;
    private final BuilderDialer dialer;
    private final InputSpool spool;
    private final Executor earlyDials;
    private volatile EarlyBuilder early;
    private PoolRoute route;
    private volatile BuildTicket ticket;
    private volatile BuilderLink link;
    private volatile String cancelReason;
    private volatile boolean aborted;
    private BuilderLease lease;
    private boolean built;

    /** A call on the builder's serve link. */
    @FunctionalInterface
    interface BuilderCall<T> {
        T call(ServeClient builder) throws IOException;
    }

    /**
     * @param earlyDials where the likely builder of a named pool is dialed while the client goes on; null for no early
     *        builder (every upload is spooled, then replayed)
     */
    BuilderSession(ClientIdentity client, String user, BuilderBroker broker, BuilderDialer dialer, InputSpool spool,
            Executor earlyDials) {
        this.client = client;
        this.user = user;
        this.broker = broker;
        this.dialer = dialer;
        this.spool = spool;
        this.earlyDials = earlyDials;
    }

    /** Checks the SSH user names a pool this client may use (or is {@code auto} and the client may use some pool). */
    void resolveRoute() throws BrokerException, ClientProtocolException {
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

    InputSpool spool() {
        return spool;
    }

    /**
     * The client sent its first request after the handshake (a mere {@code nix store ping} sends none): for a named
     * pool, the builder its build will likely get is looked up and dialed in the background.
     */
    void clientStarted() {
        if (early == null && route != null && earlyDials != null && !built && !aborted) {
            early = EarlyBuilder.start(broker, client, route, dialer, earlyDials);
        }
    }

    /** An uploaded NAR: to the builder once the build has one, else spooled (and streamed to the early builder). */
    void upload(ValidPathInfo info, InputStream nar) throws IOException {
        if (onBuilder()) {
            builder(b -> {
                b.addToStoreNar(info, nar);
                return null;
            });
            return;
        }
        EarlyBuilder e = early;
        if (e == null) {
            spool.add(info, nar);
            return;
        }
        InputSpool.NarSink sink;
        try {
            sink = e.sink();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the gateway dialed a builder");
        }
        spool.add(info, nar, sink).ifPresent(e::giveUp);
    }

    /** True once the build has its builder: requests then go there instead of to the spool. */
    boolean onBuilder() {
        return link != null;
    }

    /**
     * Queues the build, waits for its builder, replays the inputs it lacks and builds there. {@code messages} hears what
     * the client should see (queue position, the builder's log), on any thread.
     */
    BuildResult build(StorePath drvPath, Derivation drv, BuildOptions options, Consumer<String> messages)
            throws IOException, BrokerException, InterruptedException {
        if (built) {
            throw new ClientProtocolException("the gateway runs one build per connection; this one already ran "
                    + "BuildDerivation");
        }
        built = true;
        if (!drvPath.isDerivation()) {
            throw new ClientProtocolException("expected a .drv path to build, got '" + drvPath + "'");
        }
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
        messages.accept("nixpool: " + t.description() + " queued on pool " + pool);
        lease = t.awaitBuilder(line -> messages.accept("nixpool: " + line));
        messages.accept("nixpool: building on " + lease.builderName());
        Consumer<String> buildLog = line -> {
            messages.accept(line);
            t.log(line);
        };
        Optional<BuilderLink> dialedEarly = early != null ? early.takeFor(lease, buildLog) : Optional.empty();
        link = dialedEarly.isPresent() ? dialedEarly.get() : dialer.dial(lease, buildLog);
        if (aborted || cancelReason != null) {
            closeLink();
        }
        t.connected(link.description());
        replayInputs(t);
        BuildResult result = builder(b -> b.buildDerivation(drvPath, drv, options));
        List<PathInfo> outputs = result.success()
                ? builder(b -> b.queryPathInfos(outputPaths(drv, result)))
                : List.of();
        t.finished(new BuildOutcome(result, outputs));
        return result;
    }

    /** A call on the builder: its failure is a lost builder (or a cancel), said so to the client and the ticket. */
    <T> T builder(BuilderCall<T> call) throws IOException {
        BuilderLink current = link;
        if (current == null) {
            throw new IllegalStateException("the build has no builder yet");
        }
        try {
            return call.call(current.client());
        } catch (ClientProtocolException e) {
            throw e;
        } catch (IOException e) {
            if (aborted) {
                throw e;
            }
            String why = cancelReason != null
                    ? "the build was cancelled: " + cancelReason
                    : "lost builder " + (lease != null ? lease.builderName() : "") + " (" + current.lossReason()
                            + "): " + e.getMessage();
            throw new ClientProtocolException(why);
        }
    }

    boolean aborted() {
        return aborted;
    }

    /** The client hung up (or the server stops): whatever the connection waits for ends, the builder is given back. */
    void abort() {
        aborted = true;
        closeEarly();
        closeLink();
        BuildTicket t = ticket;
        if (t != null) {
            t.close();
        }
    }

    /** The connection ended, with {@code failure} (null for none): the ticket hears it, the spool is deleted. */
    void end(String failure) {
        closeEarly();
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
        Set<StorePath> present = builder(b -> b.queryValidPaths(false, false, uploaded));
        int sent = 0;
        for (ValidPathInfo info : spool.infos()) {
            if (present.contains(info.path())) {
                continue;
            }
            builder(b -> {
                try (InputStream nar = spool.open(info.path())) {
                    b.addToStoreNar(info, nar);
                }
                return null;
            });
            sent++;
        }
        int streamed = early != null ? early.streamed() : 0;
        t.log("[nixpool] gateway: " + sent + " of " + uploaded.size() + " uploaded paths copied to the builder, "
                + (uploaded.size() - sent) + " already there"
                + (streamed > 0 ? " (" + streamed + " streamed to it while the client uploaded)" : ""));
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

    private void closeEarly() {
        EarlyBuilder e = early;
        if (e != null) {
            e.close();
        }
    }

    private void closeLink() {
        BuilderLink l = link;
        if (l != null) {
            l.close();
        }
    }

    private static String names(List<PoolRoute> pools) {
        return pools.isEmpty() ? "none" : String.join(", ", pools.stream().map(PoolRoute::toString).toList());
    }
}
