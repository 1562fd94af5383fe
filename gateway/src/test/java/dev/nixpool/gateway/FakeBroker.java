package dev.nixpool.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A broker for tests: fixed pools, every submitted build recorded, and the builder it gets is whatever the test leases
 * (immediately with {@link #leaseImmediately}).
 */
final class FakeBroker implements BuilderBroker {

    final List<PoolRoute> pools;
    final List<Ticket> tickets = new CopyOnWriteArrayList<>();
    volatile BuilderLease immediate;
    /** What {@link #likelyBuilder} answers; null for none. */
    volatile BuilderLease likely;
    final List<PoolRoute> likelyAsked = new CopyOnWriteArrayList<>();

    FakeBroker(PoolRoute... pools) {
        this.pools = List.of(pools);
    }

    FakeBroker leaseImmediately(BuilderLease lease) {
        this.immediate = lease;
        return this;
    }

    static PoolRoute pool(String name, String... features) {
        return new PoolRoute("ns", name, List.of("x86_64-linux"), List.of(features), List.of());
    }

    @Override
    public Optional<PoolRoute> route(ClientIdentity client, String user) {
        return pools.stream().filter(p -> p.pool().equals(user) || (p.namespace() + "." + p.pool()).equals(user))
                .findFirst();
    }

    @Override
    public List<PoolRoute> pools(ClientIdentity client) {
        return pools;
    }

    FakeBroker likely(BuilderLease lease) {
        this.likely = lease;
        return this;
    }

    @Override
    public Optional<BuilderLease> likelyBuilder(ClientIdentity client, PoolRoute pool) {
        likelyAsked.add(pool);
        return Optional.ofNullable(likely);
    }

    @Override
    public BuildTicket submit(ClientIdentity client, PoolRoute pool, GatewayBuild build) {
        Ticket t = new Ticket(pool, build);
        if (immediate != null) {
            t.lease.complete(immediate);
        }
        tickets.add(t);
        return t;
    }

    static final class Ticket implements BuildTicket {
        final PoolRoute pool;
        final GatewayBuild build;
        final CompletableFuture<BuilderLease> lease = new CompletableFuture<>();
        final List<String> log = new CopyOnWriteArrayList<>();
        volatile String connected;
        volatile BuildOutcome outcome;
        volatile String failure;
        volatile boolean closed;
        final List<Consumer<String>> cancels = new ArrayList<>();

        Ticket(PoolRoute pool, GatewayBuild build) {
            this.pool = pool;
            this.build = build;
        }

        @Override
        public String description() {
            return "NixBuild ns/test";
        }

        @Override
        public BuilderLease awaitBuilder(Consumer<String> waiting) throws BrokerException, InterruptedException {
            try {
                return lease.get();
            } catch (ExecutionException e) {
                throw new BrokerException(e.getCause().getMessage());
            }
        }

        @Override
        public void connected(String description) {
            connected = description;
        }

        @Override
        public void log(String line) {
            log.add(line);
        }

        @Override
        public synchronized void onCancel(Consumer<String> onCancel) {
            cancels.add(onCancel);
        }

        synchronized void cancel(String why) {
            cancels.forEach(c -> c.accept(why));
        }

        @Override
        public void finished(BuildOutcome outcome) {
            this.outcome = outcome;
        }

        @Override
        public void failed(String message) {
            failure = message;
        }

        @Override
        public void close() {
            closed = true;
            lease.completeExceptionally(new IllegalStateException("closed"));
        }
    }
}
