package dev.nixpool.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.nixpool.nix.store.ValidPathInfo;

/**
 * The warm builder a named pool's next build will most likely get ({@link BuilderBroker#likelyBuilder}), reached
 * before BuildDerivation names the derivation: the client's uploads stream into it while they are spooled, so that the
 * inputs are there when the build gets that builder, instead of crossing loopback a second time after the spool.
 * <p>
 * It is only a guess and claims nothing: the builder stays free for any build of its pool (only a client the pool
 * authorises reaches it), the broker's queue decides as always, and if the build lands elsewhere the spool replays what
 * that builder lacks. Anything going wrong here (no such builder, the dial failing, the builder gone mid-upload) gives
 * the early builder up and leaves the upload to the spool alone; the client never sees it.
 */
final class EarlyBuilder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EarlyBuilder.class);

    private final CompletableFuture<Optional<Dialed>> dialed;
    private volatile Consumer<String> lines = line -> {
    };
    private volatile boolean closed;
    private volatile boolean givenUp;
    private volatile boolean taken;
    /** The broker's guess, known before its dial is done. */
    private volatile BuilderLease guess;
    private int streamed;

    private record Dialed(BuilderLease lease, BuilderLink link) {
    }

    private EarlyBuilder(CompletableFuture<Optional<Dialed>> dialed) {
        this.dialed = dialed;
    }

    /** Asks the broker for the likely builder and dials it on {@code executor}, without making the caller wait. */
    static EarlyBuilder start(BuilderBroker broker, ClientIdentity client, PoolRoute pool, BuilderDialer dialer,
            Executor executor) {
        CompletableFuture<Optional<Dialed>> future = new CompletableFuture<>();
        EarlyBuilder early = new EarlyBuilder(future);
        try {
            executor.execute(() -> future.complete(early.dial(broker, client, pool, dialer)));
        } catch (RejectedExecutionException e) {
            future.complete(Optional.empty());
        }
        return early;
    }

    private Optional<Dialed> dial(BuilderBroker broker, ClientIdentity client, PoolRoute pool, BuilderDialer dialer) {
        try {
            Optional<BuilderLease> lease = broker.likelyBuilder(client, pool);
            if (lease.isEmpty() || closed) {
                return Optional.empty();
            }
            guess = lease.get();
            BuilderLink link = dialer.dial(lease.get(), line -> lines.accept(line));
            if (closed) {
                link.close();
                return Optional.empty();
            }
            LOG.debug("uploads of {} stream to {} before its build is placed", client.name(), lease.get());
            return Optional.of(new Dialed(lease.get(), link));
        } catch (BrokerException | RuntimeException e) {
            LOG.debug("no early builder for {} on pool {}: {}", client.name(), pool, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The spool's sink for one NAR: sent to the builder unless it has the path already (the builder's Nix checks its
     * hash, so the spool need not). Waits for the dial the first time; null once the early builder is given up (the
     * spool then works alone).
     */
    InputSpool.NarSink sink() throws InterruptedException {
        Dialed d = await();
        if (d == null) {
            return null;
        }
        return (ValidPathInfo info, InputStream nar) -> {
            if (!d.link().client().queryValidPaths(false, false, List.of(info.path())).isEmpty()) {
                return false;
            }
            // the builder's nix-store answers success only for a NAR of the declared hash and size
            d.link().client().addToStoreNar(info, nar);
            streamed++;
            return true;
        };
    }

    /** The sink failed: the builder is given up for this connection (its link closed); the spool has every NAR. */
    void giveUp(IOException why) {
        givenUp = true;
        LOG.debug("early builder given up: {}", why.getMessage());
        close();
    }

    /**
     * The build got {@code lease}: the early link if it is that builder (its stderr from now on goes to {@code stderr}),
     * else empty and the early link closed. A dial of that very builder still going on is waited for: a fresh dial
     * would only start the same login over (a trivial build's lease can come before the early login is done); a dial
     * of another builder is not.
     */
    Optional<BuilderLink> takeFor(BuilderLease lease, Consumer<String> stderr) throws InterruptedException {
        BuilderLease guessed = guess;
        Optional<Dialed> d = guessed != null && sameBuilder(guessed, lease)
                ? Optional.ofNullable(await())
                : dialed.getNow(Optional.empty());
        if (d.isPresent() && !givenUp && !closed && sameBuilder(d.get().lease(), lease)) {
            lines = stderr;
            taken = true;
            return Optional.of(d.get().link());
        }
        close();
        return Optional.empty();
    }

    /** How many NARs went to the builder while being spooled. */
    int streamed() {
        return streamed;
    }

    static boolean sameBuilder(BuilderLease a, BuilderLease b) {
        return a.host().equals(b.host()) && a.port() == b.port() && a.user().equals(b.user())
                && a.hostPublicKey().trim().equals(b.hostPublicKey().trim());
    }

    private Dialed await() throws InterruptedException {
        if (givenUp || closed) {
            return null;
        }
        try {
            return dialed.get().orElse(null);
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** Closes the early link unless the build took it; from any thread, any number of times, dial done or not. */
    @Override
    public void close() {
        closed = true;
        dialed.thenAccept(d -> d.ifPresent(x -> {
            if (!taken) {
                x.link().close();
            }
        }));
    }
}
