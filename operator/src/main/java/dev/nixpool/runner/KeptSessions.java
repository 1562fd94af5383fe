package dev.nixpool.runner;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderConnection;
import dev.nixpool.remote.BuilderConnector;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.NixSettings;

/**
 * The operator's SSH connections to Ready builders, kept open between builds: Nix's own client logs in for every build,
 * a kept connection pays the login once. A builder named by {@link #retain} is connected at once, in the background,
 * and gets a spare session (a started, handshaken {@code nix-store --serve --write} without Nix settings of a build), so
 * that a build without settings of its own only sends its requests. A build's session goes back as the spare when it
 * ends in step; builds with their own settings start a serve process of their own on the kept connection.
 * <p>
 * A connection goes when {@link #retain} no longer names its builder (the pod went, was retired or drained), when a
 * build comes with other credentials for it (its key Secret changed: the host key pinned is always the current one),
 * or when it broke: a lease finding it so replaces it once, and {@link Lease#discard()} lets a build that failed on it
 * get a fresh one. A connection in use by a build is closed only when its last lease ends, so dropping one never ends a
 * build. Keyed by address: a pod's IP is its own while it lives, and a later pod that reuses one presents another host
 * key (other credentials).
 */
final class KeptSessions implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KeptSessions.class);

    private final BuilderConnector connector;
    private final ExecutorService warming;
    private final boolean ownsWarming;
    private final Map<BuilderAddress, Entry> entries = new HashMap<>();
    private final List<Consumer<String>> warmedListeners = new CopyOnWriteArrayList<>();
    private boolean closed;

    /** With a warming thread of its own (closed by {@link #close()}). */
    KeptSessions(BuilderConnector connector) {
        this(connector, Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nixpool-session-warming");
            t.setDaemon(true);
            return t;
        }), true);
    }

    KeptSessions(BuilderConnector connector, ExecutorService warming, boolean ownsWarming) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.warming = Objects.requireNonNull(warming, "warming");
        this.ownsWarming = ownsWarming;
    }

    /** One build's session; {@link #close()} gives it back. */
    final class Lease implements AutoCloseable {

        private final Entry entry;
        private final BuilderSession session;
        private final boolean kept;
        private final boolean plain;
        private boolean done;

        private Lease(Entry entry, BuilderSession session, boolean kept, boolean plain) {
            this.entry = entry;
            this.session = session;
            this.kept = kept;
            this.plain = plain;
        }

        BuilderSession session() {
            return session;
        }

        /** True when the session came over a connection opened before this build (a warm one). */
        boolean kept() {
            return kept;
        }

        /**
         * The build's evaluation is over: a session that goes back as its reused builder's spare starts its next
         * evaluator now, off the build's thread, instead of when the build ends. Nix's start-up in it takes tens of ms
         * (more on a busy node), and a next build that came soon after this one's end found it still starting. The
         * evaluator has a channel of its own, beside the serve channel the build goes on using.
         */
        void evaluated() {
            boolean next;
            synchronized (KeptSessions.this) {
                next = !done && plain && entry.retained && entry.reusable && !entry.dropped;
            }
            if (next) {
                prepareLater(session);
            }
        }

        /** The connection failed this build: it is replaced for the next one (this lease's session is closed). */
        void discard() {
            synchronized (KeptSessions.this) {
                drop(entry);
            }
            close();
        }

        /** Keeps the session as its builder's spare if it is in step and wanted, else closes it. */
        @Override
        public void close() {
            BuilderSession toClose = session;
            BuilderConnection connectionToClose = null;
            synchronized (KeptSessions.this) {
                if (done) {
                    return;
                }
                done = true;
                entry.leases--;
                boolean keep = entry.retained && entry.reusable && !entry.dropped;
                if (keep && plain && entry.spare == null && session.reusable()) {
                    entry.spare = session;
                    toClose = null;
                }
                if (!keep && !entry.dropped && entry.leases == 0) {
                    // connected for a build only (never named by retain: as Nix's client does), or an ephemeral
                    // builder's, whose one build is over
                    drop(entry);
                }
                if (entry.dropped && entry.leases == 0) {
                    connectionToClose = entry.connectionIfDone();
                }
            }
            if (toClose != null) {
                toClose.close();
            } else {
                prepareLater(session);
            }
            if (connectionToClose != null) {
                connectionToClose.close();
            }
        }
    }

    private final class Entry {
        final BuilderAddress address;
        final CompletableFuture<Connected> connection = new CompletableFuture<>();
        String scope;
        /** Someone (the warming thread or a build) is making the connection: others wait for it. */
        boolean connecting;
        boolean retained;
        /** Until retain says otherwise, a builder is taken to serve more builds. */
        boolean reusable = true;
        boolean dropped;
        int leases;
        BuilderSession spare;
        /**
         * Set while the warming thread makes this builder's spare (done when it is there or could not be made): a
         * build without settings of its own that comes meanwhile takes it instead of starting a second serve process.
         */
        CompletableFuture<Void> spareMade;
        /** A build waits for the spare being made: builds at once after it start their own sessions. */
        boolean spareAwaited;
        /** A build has its session on this connection (an ephemeral builder's spare would go unused). */
        boolean sessionTaken;

        Entry(BuilderAddress address) {
            this.address = address;
        }

        BuilderConnection connectionIfDone() {
            if (!connection.isDone() || connection.isCompletedExceptionally()) {
                return null;
            }
            return connection.join().connection();
        }
    }

    private record Connected(BuilderConnection connection, BuilderCredentials credentials) {
    }

    /**
     * A session on the builder at {@code address} for one build: the spare when there is one and the build has no Nix
     * settings of its own, else a new session on the kept connection; the connection is opened here when there is none
     * (or the warming one failed), and replaced once when it is broken or was opened with other credentials.
     */
    Lease lease(BuilderAddress address, BuilderCredentials credentials, NixSettings settings) throws BuilderException {
        return lease(address, credentials, settings, null, false);
    }

    /**
     * As {@link #lease(BuilderAddress, BuilderCredentials, NixSettings)}; a connection made here for a builder of
     * {@code scope} (a pool) is kept as if {@link #retain} had named it, and is let go by that pool's next retain that
     * does not name it: the pool's reconcile may see the builder Ready only after its first build ended.
     */
    Lease lease(BuilderAddress address, BuilderCredentials credentials, NixSettings settings, String scope,
            boolean reusable) throws BuilderException {
        boolean plain = settings.isEmpty();
        BuilderException failure = null;
        Entry replaced = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            Entry entry;
            boolean connectHere = false;
            synchronized (this) {
                if (closed) {
                    throw new BuilderException(BuilderFailure.UNREACHABLE, "the operator is stopping");
                }
                entry = entries.get(address);
                if (entry == null) {
                    entry = new Entry(address);
                    if (replaced != null) {
                        // the replacement is kept as the one it replaces was
                        entry.scope = replaced.scope;
                        entry.retained = replaced.retained;
                        entry.reusable = replaced.reusable;
                    } else if (scope != null) {
                        entry.scope = scope;
                        entry.retained = true;
                        entry.reusable = reusable;
                    }
                    entries.put(address, entry);
                }
                if (!entry.connecting) {
                    // a new entry, or one whose warming has not started yet (queued behind others): a build never
                    // waits for the warming thread, only for a connection already being made
                    entry.connecting = true;
                    connectHere = true;
                }
                entry.leases++;
            }
            if (connectHere) {
                connect(entry, credentials);
            }
            try {
                Connected connected = await(entry);
                if (!connected.credentials().equals(credentials) || !connected.connection().isOpen()) {
                    release(entry, true);
                    replaced = entry;
                    continue;
                }
                if (plain) {
                    awaitSpare(entry);
                }
                BuilderSession spare = plain ? takeSpare(entry) : null;
                if (spare != null) {
                    return new Lease(entry, spare, !connectHere, true);
                }
                BuilderSession own = connected.connection().session(settings);
                synchronized (this) {
                    entry.sessionTaken = true;
                }
                return new Lease(entry, own, !connectHere, plain);
            } catch (BuilderException e) {
                failure = e;
                // a connection made for this very build that fails says what is wrong with the builder; a kept one
                // may just have gone stale: one more try on a fresh one
                release(entry, true);
                replaced = entry;
                if (connectHere) {
                    throw e;
                }
            }
        }
        throw failure != null
                ? failure
                : new BuilderException(BuilderFailure.UNREACHABLE, "no usable connection to " + address.host());
    }

    /**
     * The Ready builders of one pool ({@code scope}): those not connected yet are connected in the background with a
     * spare session; the pool's others are let go.
     */
    void retain(String scope, List<KeptBuilder> ready,
            Function<KeptBuilder, Optional<BuilderCredentials>> credentials) {
        Map<Entry, KeptBuilder> fresh = new HashMap<>();
        List<BuilderConnection> toClose = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            Map<BuilderAddress, KeptBuilder> wanted = new HashMap<>();
            ready.forEach(b -> wanted.put(b.address(), b));
            for (Entry entry : List.copyOf(entries.values())) {
                if (scope.equals(entry.scope) && !wanted.containsKey(entry.address)) {
                    drop(entry);
                    if (entry.leases == 0) {
                        Optional.ofNullable(entry.connectionIfDone()).ifPresent(toClose::add);
                    }
                }
            }
            for (KeptBuilder builder : wanted.values()) {
                Entry entry = entries.get(builder.address());
                if (entry == null) {
                    entry = new Entry(builder.address());
                    entries.put(builder.address(), entry);
                    fresh.put(entry, builder);
                }
                entry.scope = scope;
                entry.retained = true;
                entry.reusable = builder.reusable();
            }
        }
        toClose.forEach(BuilderConnection::close);
        for (Map.Entry<Entry, KeptBuilder> warm : fresh.entrySet()) {
            try {
                warming.execute(() -> warm(warm.getKey(), warm.getValue(), credentials));
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    drop(warm.getKey());
                }
                warm.getKey().connection.completeExceptionally(
                        new BuilderException(BuilderFailure.UNREACHABLE, "the operator is stopping"));
            }
        }
    }

    /** Builders with a kept (or warming) connection. */
    synchronized int size() {
        return entries.size();
    }

    /** Ends every kept connection (and with it every session on it). */
    @Override
    public void close() {
        List<Entry> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(entries.values());
            all.forEach(this::drop);
        }
        if (ownsWarming) {
            warming.shutdownNow();
        }
        for (Entry entry : all) {
            BuilderConnection c = entry.connectionIfDone();
            if (c != null) {
                c.close();
            }
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    private void warm(Entry entry, KeptBuilder builder,
            Function<KeptBuilder, Optional<BuilderCredentials>> credentials) {
        synchronized (this) {
            if (entry.connecting) {
                return; // a build came first and connects it; its session becomes the spare
            }
            if (entry.dropped && entry.leases == 0) {
                entry.connection.completeExceptionally(
                        new BuilderException(BuilderFailure.UNREACHABLE, "builder " + builder.pod() + " went away"));
                return;
            }
            entry.connecting = true;
            entry.spareMade = new CompletableFuture<>();
        }
        try {
            warmUp(entry, builder, credentials);
        } finally {
            entry.spareMade.complete(null);
            String scope;
            synchronized (this) {
                scope = entry.scope;
            }
            if (scope != null) {
                warmedListeners.forEach(l -> l.accept(scope));
            }
        }
    }

    /** From now on, {@code listener} hears the scope (pool) of every builder whose warming ended, made or not. */
    void onWarmed(Consumer<String> listener) {
        warmedListeners.add(listener);
    }

    /**
     * True while the warming of the builder at {@code address} is under way (login, spare serve session, evaluator): a
     * build given it now waits for that. False once it is done, and for a builder not named or whose warming failed
     * (a build connects itself there, as before).
     */
    synchronized boolean warming(BuilderAddress address) {
        Entry entry = entries.get(address);
        if (entry == null || entry.dropped) {
            return false;
        }
        if (entry.spareMade != null) {
            return !entry.spareMade.isDone();
        }
        // named, warming queued or not started: not warm yet unless a build already connected it
        return !entry.connecting;
    }

    /** Connects, then makes the spare and starts its evaluator; a build waiting for the spare is let go after. */
    private void warmUp(Entry entry, KeptBuilder builder,
            Function<KeptBuilder, Optional<BuilderCredentials>> credentials) {
        Optional<BuilderCredentials> keys;
        try {
            keys = credentials.apply(builder);
        } catch (RuntimeException e) {
            keys = Optional.empty();
            LOG.debugf(e, "cannot read the key Secret of builder %s", builder.pod());
        }
        if (keys.isEmpty()) {
            synchronized (this) {
                drop(entry);
            }
            entry.connection.completeExceptionally(new BuilderException(BuilderFailure.UNREACHABLE,
                    "the key Secret of builder pod " + builder.pod() + " is missing or incomplete"));
            return;
        }
        if (!connect(entry, keys.get())) {
            LOG.debugf("could not connect ahead to builder %s; its build will connect itself", builder.pod());
            return;
        }
        synchronized (this) {
            if (!entry.reusable && entry.sessionTaken) {
                return; // an ephemeral builder whose one build already has its session: a spare would go unused
            }
        }
        BuilderConnection connection = entry.connectionIfDone();
        BuilderSession spare;
        try {
            // started ahead of being a spare: the evaluator is ready when the first build takes it (the session is not
            // shared yet, so this thread may use it)
            spare = connection.preparedSession(NixSettings.NONE);
        } catch (BuilderException e) {
            LOG.debugf("could not start a spare session on builder %s: %s", builder.pod(), e.getMessage());
            return;
        }
        boolean kept;
        synchronized (this) {
            kept = !entry.dropped && entry.spare == null;
            if (kept) {
                entry.spare = spare;
            }
        }
        if (!kept) {
            spare.close();
        }
    }

    /** Prepares a session kept as a spare off the build's thread: its run reports its result without waiting. */
    private void prepareLater(BuilderSession spare) {
        try {
            warming.execute(spare::prepare);
        } catch (RejectedExecutionException e) {
            // stopping: the spare is closed with its connection
        }
    }

    /** Completes the entry's connection; false (and the entry dropped) when connecting failed. */
    private boolean connect(Entry entry, BuilderCredentials credentials) {
        BuilderConnection connection;
        try {
            connection = connector.connect(entry.address, credentials);
        } catch (BuilderException e) {
            synchronized (this) {
                drop(entry);
            }
            entry.connection.completeExceptionally(e);
            return false;
        } catch (RuntimeException e) {
            synchronized (this) {
                drop(entry);
            }
            entry.connection.completeExceptionally(e);
            throw e;
        }
        boolean closeNow;
        synchronized (this) {
            entry.connection.complete(new Connected(connection, credentials));
            closeNow = entry.dropped && entry.leases == 0;
        }
        if (closeNow) {
            connection.close();
        }
        return true;
    }

    private static Connected await(Entry entry) throws BuilderException {
        try {
            return entry.connection.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuilderException(BuilderFailure.UNREACHABLE, "interrupted while connecting to "
                    + entry.address.host(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BuilderException b) {
                throw b;
            }
            throw new IllegalStateException("connecting to " + entry.address.host() + " failed", e.getCause());
        }
    }

    /**
     * Waits for the spare the warming thread is making, if it is: it was started before this build (login, serve
     * handshake, evaluator), so taking it is never slower than starting a serve process of the build's own after it.
     */
    private void awaitSpare(Entry entry) throws BuilderException {
        CompletableFuture<Void> made;
        synchronized (this) {
            made = entry.spareMade;
            if (made == null || made.isDone() || entry.spareAwaited) {
                // no spare coming, or it is there, or another build waits for it (this one would only wait longer)
                return;
            }
            entry.spareAwaited = true;
        }
        try {
            made.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuilderException(BuilderFailure.UNREACHABLE, "interrupted while waiting for the session to "
                    + entry.address.host(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("warming " + entry.address.host() + " failed", e.getCause());
        }
    }

    private synchronized BuilderSession takeSpare(Entry entry) {
        BuilderSession spare = entry.spare;
        entry.spare = null;
        if (spare != null && !spare.reusable()) {
            spare.close();
            return null;
        }
        if (spare != null) {
            entry.sessionTaken = true;
        }
        return spare;
    }

    /** Gives back a lease that got no session; with {@code replace} the connection is dropped first. */
    private void release(Entry entry, boolean replace) {
        BuilderConnection toClose = null;
        synchronized (this) {
            entry.leases--;
            if (replace) {
                drop(entry);
            }
            if (entry.dropped && entry.leases == 0) {
                toClose = entry.connectionIfDone();
            }
        }
        if (toClose != null) {
            toClose.close();
        }
    }

    /** Under the lock: no build gets the entry again; its spare is closed, its connection once no lease uses it. */
    private void drop(Entry entry) {
        entries.remove(entry.address, entry);
        entry.dropped = true;
        BuilderSession spare = entry.spare;
        entry.spare = null;
        if (spare != null) {
            spare.close();
        }
    }
}
