package dev.nixpool.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderConnection;
import dev.nixpool.remote.BuilderConnector;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.LogSink;
import dev.nixpool.remote.NixSettings;

/**
 * The session pool against an in-memory connector that records every connection and session: what is reused, what is
 * replaced, and that everything opened is closed in the end (no leaked connection or serve process).
 */
class KeptSessionsTest {

    private static final BuilderAddress A = new BuilderAddress("10.0.0.1", 22, "nixpool");
    private static final BuilderAddress B = new BuilderAddress("10.0.0.2", 22, "nixpool");
    private static final BuilderCredentials KEYS = new BuilderCredentials("client-1", "ssh-ed25519 HOST1");
    private static final BuilderCredentials NEW_KEYS = new BuilderCredentials("client-2", "ssh-ed25519 HOST2");
    private static final NixSettings OWN = NixSettings.of(List.of("https://cache.example"), List.of());
    private static final String POOL = "ns/pool";

    private final InMemoryConnector connector = new InMemoryConnector();
    private final InlineExecutor warming = new InlineExecutor();
    private final KeptSessions sessions = new KeptSessions(connector, warming, true);

    @AfterEach
    void nothingLeaks() {
        sessions.close();
        assertThat(warming.isShutdown()).as("the warming thread is stopped").isTrue();
        assertThat(connector.connections).as("every connection closed").allMatch(c -> !c.open);
        assertThat(connector.sessions()).as("every session closed").allMatch(s -> s.closed);
        assertThat(sessions.size()).isZero();
    }

    private void retain(KeptBuilder... ready) {
        sessions.retain(POOL, List.of(ready), b -> Optional.of(KEYS));
    }

    private static KeptBuilder builder(BuilderAddress address) {
        return new KeptBuilder(address, "pod-" + address.host(), true);
    }

    @Test
    void aRetainedBuilderIsConnectedAheadWithASpareSessionThatTheFirstBuildTakes() throws Exception {
        retain(builder(A));
        assertThat(connector.connections).hasSize(1);
        FakeSession spare = connector.connections.get(0).sessions.get(0);
        assertThat(spare.settings).isEqualTo(NixSettings.NONE);

        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(lease.session()).isSameAs(spare);
            assertThat(lease.kept()).isTrue();
        }
        assertThat(connector.connections).as("no login for the build").hasSize(1);
    }

    @Test
    void buildsInARowReuseOneConnectionAndOneServeSession() throws Exception {
        retain(builder(A));
        List<BuilderSession> used = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
                used.add(lease.session());
            }
        }
        assertThat(connector.connections).hasSize(1);
        assertThat(used).containsOnly(connector.connections.get(0).sessions.get(0));
        assertThat(connector.sessions()).hasSize(1).allMatch(s -> !s.closed);
    }

    @Test
    void theSpareIsPreparedForTheNextBuildWhenWarmedAndEachTimeItComesBack() throws Exception {
        retain(builder(A));
        FakeSession spare = connector.to(A).sessions.get(0);
        assertThat(spare.prepared).isOne();
        sessions.lease(A, KEYS, NixSettings.NONE).close();
        assertThat(spare.prepared).isEqualTo(2);
    }

    @Test
    void aReusedBuildersSessionPreparesItsNextEvaluatorOnceTheBuildHasEvaluated() throws Exception {
        retain(builder(A));
        FakeSession spare = connector.to(A).sessions.get(0);
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(spare.prepared).as("by the warming").isOne();
            lease.evaluated();
            assertThat(spare.prepared).as("while the build goes on, not only after it").isEqualTo(2);
        }
        try (KeptSessions.Lease own = sessions.lease(A, KEYS, OWN)) {
            FakeSession session = (FakeSession) own.session();
            own.evaluated();
            assertThat(session.prepared).as("a session of the build's own settings is never the spare").isZero();
        }
    }

    @Test
    void anEphemeralBuildersSessionPreparesNoNextEvaluator() throws Exception {
        sessions.retain(POOL, List.of(new KeptBuilder(A, "pod-a", false)), b -> Optional.of(KEYS));
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            FakeSession session = (FakeSession) lease.session();
            int warmed = session.prepared;
            lease.evaluated();
            assertThat(session.prepared).as("its one build has taken it").isEqualTo(warmed);
        }
    }

    @Test
    void anEphemeralBuildersConnectionGoesWithItsOneBuild() throws Exception {
        sessions.retain(POOL, List.of(new KeptBuilder(A, "pod-a", false)), b -> Optional.of(KEYS));
        FakeSession used;
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(lease.kept()).isTrue();
            used = (FakeSession) lease.session();
        }
        assertThat(used.closed).isTrue();
        assertThat(connector.to(A).open).isFalse();
        assertThat(sessions.size()).isZero();
    }

    @Test
    void buildsAtOnceShareTheConnectionEachWithItsOwnSession() throws Exception {
        retain(builder(A));
        try (KeptSessions.Lease first = sessions.lease(A, KEYS, NixSettings.NONE);
                KeptSessions.Lease second = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(first.session()).isNotSameAs(second.session());
            assertThat(second.kept()).isTrue();
        }
        assertThat(connector.connections).hasSize(1);
        assertThat(connector.sessions()).as("one is kept as the spare, the other closed").hasSize(2)
                .filteredOn(s -> !s.closed).hasSize(1);
    }

    @Test
    void aBuildWithItsOwnSettingsGetsItsOwnServeSessionOnTheKeptConnectionClosedAfterIt() throws Exception {
        retain(builder(A));
        FakeSession own;
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, OWN)) {
            own = (FakeSession) lease.session();
            assertThat(own.settings).isEqualTo(OWN);
            assertThat(lease.kept()).isTrue();
        }
        assertThat(own.closed).isTrue();
        assertThat(connector.connections).hasSize(1);
        assertThat(connector.connections.get(0).sessions.get(0).closed).as("the spare stays").isFalse();
    }

    @Test
    void aSessionThatFailedIsNotKept() throws Exception {
        retain(builder(A));
        FakeSession failed;
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            failed = (FakeSession) lease.session();
            failed.inStep = false;
        }
        assertThat(failed.closed).isTrue();
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(lease.session()).isNotSameAs(failed);
        }
        assertThat(connector.connections).as("the connection itself is fine").hasSize(1);
    }

    @Test
    void aBuilderNoLongerRetainedLosesItsConnectionButABuildOnItKeepsItsSessionUntilItEnds() throws Exception {
        retain(builder(A), builder(B));
        KeptSessions.Lease running = sessions.lease(A, KEYS, NixSettings.NONE);
        retain(); // both retired or gone
        InMemoryConnection a = connector.to(A);
        InMemoryConnection b = connector.to(B);
        assertThat(b.open).isFalse();
        assertThat(b.sessions).allMatch(s -> s.closed);
        assertThat(a.open).as("a build still runs on it").isTrue();
        assertThat(running.session()).isInstanceOfSatisfying(FakeSession.class, s -> assertThat(s.closed).isFalse());

        running.close();
        assertThat(a.open).isFalse();
        assertThat(a.sessions).allMatch(s -> s.closed);
        assertThat(sessions.size()).isZero();
    }

    @Test
    void anotherPoolsRetainLeavesThisPoolsConnectionsAlone() throws Exception {
        retain(builder(A));
        sessions.retain("ns/other", List.of(), b -> Optional.of(KEYS));
        assertThat(connector.to(A).open).isTrue();
        assertThat(sessions.size()).isOne();
    }

    /** What a lease finds wrong with the kept connection, and what it does: replace it once, the build not failing. */
    enum Stale {
        KEY_SECRET_CHANGED(connection -> {
        }, NEW_KEYS), CONNECTION_BROKEN(connection -> connection.open = false, KEYS), SERVE_START_FAILS(connection -> {
            connection.sessions.get(0).inStep = false;
            connection.sessionFailure = new BuilderException(BuilderFailure.UNREACHABLE, "channel refused");
        }, KEYS), SPARE_OUT_OF_STEP(connection -> connection.sessions.get(0).inStep = false, KEYS);

        final Consumer<InMemoryConnection> breaks;
        final BuilderCredentials buildKeys;

        Stale(Consumer<InMemoryConnection> breaks, BuilderCredentials buildKeys) {
            this.breaks = breaks;
            this.buildKeys = buildKeys;
        }
    }

    @ParameterizedTest
    @EnumSource(Stale.class)
    void aStaleKeptConnectionIsReplacedOnceAndTheReplacementIsKept(Stale stale) throws Exception {
        retain(builder(A));
        InMemoryConnection kept = connector.to(A);
        stale.breaks.accept(kept);

        try (KeptSessions.Lease lease = sessions.lease(A, stale.buildKeys, NixSettings.NONE)) {
            assertThat(lease.session()).isInstanceOf(FakeSession.class);
        }
        InMemoryConnection now = connector.connections.get(connector.connections.size() - 1);
        if (stale == Stale.SPARE_OUT_OF_STEP) {
            assertThat(connector.connections).as("only the spare was bad").hasSize(1);
        } else {
            assertThat(connector.connections).hasSize(2);
            assertThat(kept.open).isFalse();
            assertThat(now.credentials).isEqualTo(stale.buildKeys);
        }
        assertThat(now.open).as("the replacement is kept for the next build").isTrue();
        try (KeptSessions.Lease next = sessions.lease(A, stale.buildKeys, NixSettings.NONE)) {
            assertThat(next.kept()).isTrue();
        }
        assertThat(connector.connections).hasSize(stale == Stale.SPARE_OUT_OF_STEP ? 1 : 2);
    }

    @Test
    void aFreshConnectionThatFailsFailsTheBuildWithItsDiagnosisAndLeavesNothing() {
        connector.connectFailure = new BuilderException(BuilderFailure.HOST_KEY_MISMATCH, "another host key");
        assertThatThrownBy(() -> sessions.lease(A, KEYS, NixSettings.NONE)).isInstanceOfSatisfying(
                BuilderException.class, e -> assertThat(e.failure()).isEqualTo(BuilderFailure.HOST_KEY_MISMATCH));
        assertThat(sessions.size()).isZero();
        assertThat(connector.attempts).isOne();
    }

    @Test
    void aWarmingThatFailedLeavesTheBuildToConnectItself() throws Exception {
        connector.connectFailure = new BuilderException(BuilderFailure.UNREACHABLE, "not yet");
        retain(builder(A));
        connector.connectFailure = null;
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(lease.kept()).isFalse();
        }
        assertThat(connector.connections).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aBuildThatComesWhileTheWarmingMakesTheSpareTakesItInsteadOfStartingASecondServeProcess(Kind kind)
            throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        CountDownLatch release = new CountDownLatch(1);
        connector.sessionGate = release;
        try (KeptSessions pool = new KeptSessions(connector, thread, true)) {
            pool.retain(POOL, List.of(new KeptBuilder(A, "pod-a", kind == Kind.REUSABLE)), b -> Optional.of(KEYS));
            await().until(() -> connector.waitingForSession.get() == 1); // logged in, the spare's serve starting
            CompletableFuture<KeptSessions.Lease> build = new CompletableFuture<>();
            Thread buildThread = leaseOn(pool, build);
            await().until(() -> buildThread.getState() == Thread.State.WAITING);
            release.countDown();
            try (KeptSessions.Lease lease = build.get(10, TimeUnit.SECONDS)) {
                assertThat(connector.connections).as("one login").hasSize(1);
                assertThat(connector.sessions()).as("one serve process: the warming's").hasSize(1);
                FakeSession spare = connector.sessions().get(0);
                assertThat(lease.session()).isSameAs(spare);
                assertThat(lease.kept()).isTrue();
                assertThat(spare.prepared).as("its evaluator started by the warming").isOne();
            }
        }
    }

    @Test
    void aSecondBuildAtOnceDoesNotWaitForTheSpareTheFirstTakes() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        CountDownLatch release = new CountDownLatch(1);
        connector.sessionGate = release;
        try (KeptSessions pool = new KeptSessions(connector, thread, true)) {
            pool.retain(POOL, List.of(builder(A)), b -> Optional.of(KEYS));
            await().until(() -> connector.waitingForSession.get() == 1);
            CompletableFuture<KeptSessions.Lease> first = new CompletableFuture<>();
            Thread firstThread = leaseOn(pool, first);
            await().until(() -> firstThread.getState() == Thread.State.WAITING);
            CompletableFuture<KeptSessions.Lease> second = new CompletableFuture<>();
            leaseOn(pool, second);
            await().alias("the second build starts its own serve process at once")
                    .until(() -> connector.waitingForSession.get() == 2);
            release.countDown();
            try (KeptSessions.Lease a = first.get(10, TimeUnit.SECONDS);
                    KeptSessions.Lease b = second.get(10, TimeUnit.SECONDS)) {
                assertThat(a.session()).isSameAs(connector.sessions().get(0));
                assertThat(b.session()).isNotSameAs(a.session());
                assertThat(connector.connections).hasSize(1);
            }
        }
    }

    private static Thread leaseOn(KeptSessions pool, CompletableFuture<KeptSessions.Lease> result) {
        Thread t = new Thread(() -> {
            try {
                result.complete(pool.lease(A, KEYS, NixSettings.NONE));
            } catch (Exception | AssertionError e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        return t;
    }

    enum Kind {
        REUSABLE, EPHEMERAL
    }

    @Test
    void aNamedBuilderIsWarmingUntilItsSpareIsMadeAndItsPoolIsToldThen() throws Exception {
        QueuedExecutor queued = new QueuedExecutor();
        List<String> warmed = new CopyOnWriteArrayList<>();
        try (KeptSessions pool = new KeptSessions(connector, queued, false)) {
            pool.onWarmed(warmed::add);
            assertThat(pool.warming(A)).as("never named: a build connects itself, as before").isFalse();
            pool.retain(POOL, List.of(builder(A)), b -> Optional.of(KEYS));
            assertThat(pool.warming(A)).as("named, its warming queued").isTrue();
            queued.runAll();
            assertThat(pool.warming(A)).isFalse();
            assertThat(warmed).containsExactly(POOL);
        }
    }

    @Test
    void aBuilderWhoseWarmingFailedIsNotWarmingAndItsPoolIsTold() throws Exception {
        QueuedExecutor queued = new QueuedExecutor();
        List<String> warmed = new CopyOnWriteArrayList<>();
        connector.connectFailure = new BuilderException(BuilderFailure.UNREACHABLE, "not yet");
        try (KeptSessions pool = new KeptSessions(connector, queued, false)) {
            pool.onWarmed(warmed::add);
            pool.retain(POOL, List.of(builder(A)), b -> Optional.of(KEYS));
            queued.runAll();
            assertThat(pool.warming(A)).as("a build connects itself, it does not wait").isFalse();
            assertThat(warmed).containsExactly(POOL);
        }
    }

    @Test
    void aBuilderWithoutItsKeySecretIsNotConnectedAhead() throws Exception {
        sessions.retain(POOL, List.of(builder(A)), b -> Optional.empty());
        assertThat(connector.attempts).isZero();
        assertThat(sessions.size()).isZero();
    }

    @Test
    void aBuildOnABuilderNeverRetainedConnectsForItselfAndClosesAfterAsNixsClientWould() throws Exception {
        FakeSession used;
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(lease.kept()).isFalse();
            used = (FakeSession) lease.session();
        }
        assertThat(used.closed).isTrue();
        assertThat(connector.to(A).open).isFalse();
        assertThat(sessions.size()).isZero();
    }

    @Test
    void aBuilderRetainedDuringItsFirstBuildKeepsTheBuildsConnection() throws Exception {
        KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE);
        retain(builder(A));
        assertThat(connector.connections).as("the build's connection is the kept one").hasSize(1);
        lease.close();
        assertThat(connector.to(A).open).isTrue();
        try (KeptSessions.Lease next = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(next.kept()).isTrue();
            assertThat(next.session()).isSameAs(lease.session());
        }
    }

    @Test
    void aBuildDoesNotWaitForAWarmingStillQueuedButConnectsItselfAndWarmingThenLeavesIt() throws Exception {
        QueuedExecutor queued = new QueuedExecutor();
        try (KeptSessions pool = new KeptSessions(connector, queued, false)) {
            pool.retain(POOL, List.of(builder(A)), b -> Optional.of(KEYS));
            assertThat(connector.attempts).as("warming queued behind other builders").isZero();
            try (KeptSessions.Lease lease = pool.lease(A, KEYS, NixSettings.NONE)) {
                assertThat(lease.kept()).isFalse();
            }
            queued.runAll();
            assertThat(connector.connections).as("one connection: the build's, kept").hasSize(1);
            assertThat(connector.to(A).open).isTrue();
            try (KeptSessions.Lease next = pool.lease(A, KEYS, NixSettings.NONE)) {
                assertThat(next.kept()).isTrue();
            }
        }
    }

    @Test
    void aBuildsOwnConnectionToAPoolsBuilderIsKeptBeforeThePoolNamesItUntilThePoolLetsItGo() throws Exception {
        FakeSession first;
        try (KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE, POOL, true)) {
            first = (FakeSession) lease.session();
        }
        try (KeptSessions.Lease next = sessions.lease(A, KEYS, NixSettings.NONE, POOL, true)) {
            assertThat(next.kept()).isTrue();
            assertThat(next.session()).isSameAs(first);
        }
        sessions.retain("ns/other", List.of(), b -> Optional.of(KEYS));
        assertThat(connector.to(A).open).as("another pool's retain").isTrue();
        retain(); // the pool's reconcile: the builder went
        assertThat(connector.to(A).open).isFalse();
        assertThat(first.closed).isTrue();
    }

    @Test
    void aBuildsOwnConnectionToAnEphemeralBuilderGoesWithTheBuild() throws Exception {
        sessions.lease(A, KEYS, NixSettings.NONE, POOL, false).close();
        assertThat(connector.to(A).open).isFalse();
        assertThat(sessions.size()).isZero();
    }

    @Test
    void aDiscardedLeaseClosesItsConnectionAndTheNextBuildConnectsAfresh() throws Exception {
        retain(builder(A));
        KeptSessions.Lease lease = sessions.lease(A, KEYS, NixSettings.NONE);
        lease.discard();
        lease.close();
        assertThat(connector.to(A).open).isFalse();
        try (KeptSessions.Lease next = sessions.lease(A, KEYS, NixSettings.NONE)) {
            assertThat(next.kept()).isFalse();
        }
        assertThat(connector.connections).hasSize(2);
    }

    @Test
    void closingEndsEveryConnectionAndRefusesNewLeases() throws Exception {
        retain(builder(A), builder(B));
        KeptSessions.Lease running = sessions.lease(A, KEYS, OWN);
        sessions.close();
        assertThat(connector.connections).allMatch(c -> !c.open);
        assertThatThrownBy(() -> sessions.lease(A, KEYS, NixSettings.NONE)).isInstanceOf(BuilderException.class);
        running.close();
    }

    // ---- doubles --------------------------------------------------------------------------------------------------

    /** Runs the warming where it is asked for, so the tests see its effect at once. */
    private static final class InlineExecutor extends AbstractExecutorService {
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return shutdown;
        }
    }

    /** Holds the warming tasks until the test runs them: a warming thread busy with other builders. */
    private static final class QueuedExecutor extends AbstractExecutorService {
        private final List<Runnable> tasks = new CopyOnWriteArrayList<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        void runAll() {
            tasks.forEach(Runnable::run);
            tasks.clear();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    private static final class InMemoryConnector implements BuilderConnector {
        final List<InMemoryConnection> connections = new CopyOnWriteArrayList<>();
        /** When set, starting a session waits for it: a serve process still starting on the builder. */
        volatile CountDownLatch sessionGate;
        final AtomicInteger waitingForSession = new AtomicInteger();
        volatile BuilderException connectFailure;
        volatile int attempts;

        @Override
        public BuilderConnection connect(BuilderAddress address, BuilderCredentials credentials)
                throws BuilderException {
            attempts++;
            if (connectFailure != null) {
                throw connectFailure;
            }
            InMemoryConnection c = new InMemoryConnection(this, address, credentials);
            connections.add(c);
            return c;
        }

        @Override
        public BuilderSession open(BuilderAddress address, BuilderCredentials credentials, NixSettings settings) {
            throw new AssertionError("the pool starts sessions on its connections only");
        }

        InMemoryConnection to(BuilderAddress address) {
            return connections.stream().filter(c -> c.address.equals(address)).reduce((a, b) -> b).orElseThrow();
        }

        List<FakeSession> sessions() {
            return connections.stream().flatMap(c -> c.sessions.stream()).toList();
        }
    }

    private static final class InMemoryConnection implements BuilderConnection {
        final InMemoryConnector connector;
        final BuilderAddress address;
        final BuilderCredentials credentials;
        final List<FakeSession> sessions = new CopyOnWriteArrayList<>();
        volatile boolean open = true;
        volatile BuilderException sessionFailure;

        InMemoryConnection(InMemoryConnector connector, BuilderAddress address, BuilderCredentials credentials) {
            this.connector = connector;
            this.address = address;
            this.credentials = credentials;
        }

        @Override
        public BuilderSession session(NixSettings settings) throws BuilderException {
            if (sessionFailure != null) {
                throw sessionFailure;
            }
            // listed in the order the serve processes were asked for, not the order a shared gate lets them go
            FakeSession s = new FakeSession(this, settings);
            sessions.add(s);
            CountDownLatch gate = connector.sessionGate;
            if (gate != null) {
                connector.waitingForSession.incrementAndGet();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    sessions.remove(s);
                    Thread.currentThread().interrupt();
                    throw new BuilderException(BuilderFailure.UNREACHABLE, "interrupted", e);
                }
            }
            return s;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
            sessions.forEach(FakeSession::close);
        }
    }

    private static final class FakeSession implements BuilderSession {
        final InMemoryConnection connection;
        final NixSettings settings;
        volatile boolean inStep = true;
        volatile boolean closed;
        volatile int prepared;

        FakeSession(InMemoryConnection connection, NixSettings settings) {
            this.connection = connection;
            this.settings = settings;
        }

        @Override
        public boolean reusable() {
            return inStep && !closed && connection.open;
        }

        @Override
        public void prepare() {
            prepared++;
        }

        @Override
        public int serveVersion() {
            return 0x207;
        }

        @Override
        public String hostKeyFingerprint() {
            return "SHA256:fake";
        }

        @Override
        public String instantiate(BuildSource source, LogSink log) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public Derivation readDerivation(String drvPath) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public BuildResult build(String drvPath, Derivation derivation, BuildOptions options, LogSink log) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public List<PathInfo> queryPathInfos(Collection<String> paths) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public Set<String> queryClosure(Collection<String> paths) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public void dumpPath(String path, OutputStream nar) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public Set<String> queryValidPaths(Collection<String> paths) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public void addToStore(ValidPathInfo info, InputStream nar) {
            throw new AssertionError("not used by the pool");
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
