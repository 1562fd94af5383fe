package dev.nixpool.runner;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.store.InvalidStorePathException;
import dev.nixpool.nix.store.NixHash;
import dev.nixpool.nix.store.StorePath;
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
 * A test double of the narrow builder interface for the lifecycle's pure decisions: scripted answers, and a record of
 * what was asked. The real connector is proven against real sshd and Nix in the ITs.
 */
public final class FakeBuilder implements BuilderConnector {

    public static final String DRV = "/nix/store/yxcvv44z48dxdy5x6hyyhfj4c826p647-hello-nixpool.drv";
    public static final String OUT = "/nix/store/rhr2igzm86nymdphq4j208vskwjpr7jp-hello-nixpool";

    public volatile BuilderException connectFailure;
    public volatile BuilderException buildFailure;
    public volatile String system = "x86_64-linux";
    public volatile String requiredFeatures;
    /** When set, the derivation's {@code __json} (structured attrs), e.g. malformed JSON for an invalid derivation. */
    public volatile String structuredAttrs;
    /** When set, thrown by a build: a RuntimeException or an Error the operator did not expect. */
    public volatile Throwable crash;
    public volatile BuildResult result = new BuildResult(BuildStatus.BUILT, "", 1, false, 0, 0, Map.of());
    /** When set, a build waits for it (or for the session to be closed). */
    public volatile CountDownLatch buildGate;
    public final List<BuilderAddress> opened = new CopyOnWriteArrayList<>();
    /** The Nix settings each session was opened with, in the order of {@link #opened}. */
    public final List<NixSettings> openedWith = new CopyOnWriteArrayList<>();
    public final List<BuildOptions> builds = new CopyOnWriteArrayList<>();
    public final AtomicInteger closed = new AtomicInteger();
    /** When true, {@link #connect} gives a connection that is kept, and its sessions can be reused. */
    public volatile boolean keepsConnections;
    public final AtomicInteger connects = new AtomicInteger();
    /** When set, the next evaluation fails with it (once), as on a kept connection that went stale. */
    public final AtomicReference<BuilderException> staleOnce = new AtomicReference<>();

    /** Paths added to this fake as a destination store (ssh://), with what came: info and NAR. */
    public final Map<String, ValidPathInfo> added = new ConcurrentHashMap<>();
    public final Map<String, byte[]> addedNars = new ConcurrentHashMap<>();
    /** Paths whose NAR an upload read, in order. */
    public final List<String> dumps = new CopyOnWriteArrayList<>();
    /** Reading a NAR fails with it, the next {@link #dumpFailures} times. */
    public volatile BuilderException dumpFailure;
    public final AtomicInteger dumpFailures = new AtomicInteger();
    /** When set, reading a NAR (after any failure) waits for it. */
    public volatile CountDownLatch dumpGate;
    /** Each .drv read, in order. */
    public final List<String> reads = new CopyOnWriteArrayList<>();
    /** When set, reading a .drv fails with it. */
    public volatile BuilderException readFailure;

    /** The fake NAR of a path (120 bytes: only its hash and length matter to an upload), as path infos describe it. */
    public static byte[] nar(String path) {
        byte[] nar = new byte[120];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, nar, 0, Math.min(name.length, nar.length));
        return nar;
    }

    public static BuilderException failure(BuilderFailure failure, String message) {
        return new BuilderException(failure, message);
    }

    @Override
    public BuilderSession open(BuilderAddress address, BuilderCredentials credentials, NixSettings settings)
            throws BuilderException {
        opened.add(address);
        openedWith.add(settings);
        if (connectFailure != null) {
            throw connectFailure;
        }
        return new Session();
    }

    @Override
    public BuilderConnection connect(BuilderAddress address, BuilderCredentials credentials) throws BuilderException {
        if (!keepsConnections) {
            return BuilderConnector.super.connect(address, credentials);
        }
        connects.incrementAndGet();
        if (connectFailure != null) {
            throw connectFailure;
        }
        return new BuilderConnection() {
            private volatile boolean open = true;

            @Override
            public BuilderSession session(NixSettings settings) {
                opened.add(address);
                openedWith.add(settings);
                return new Session(true);
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
    }

    public Derivation derivation() {
        Map<String, String> env = new TreeMap<>(Map.of("out", OUT, "system", system));
        if (requiredFeatures != null) {
            env.put(Derivation.REQUIRED_SYSTEM_FEATURES, requiredFeatures);
        }
        if (structuredAttrs != null) {
            env.put(Derivation.STRUCTURED_ATTRS, structuredAttrs);
        }
        return new Derivation(new TreeMap<>(Map.of("out", DerivationOutput.inputAddressed(OUT))), new TreeMap<>(),
                new TreeSet<>(), system, "/bin/sh", List.of("-c", "echo hello > $out"), new TreeMap<>(env));
    }

    private final class Session implements BuilderSession {

        private final CountDownLatch closedLatch = new CountDownLatch(1);
        private final boolean kept;
        private volatile boolean failed;

        Session() {
            this(false);
        }

        Session(boolean kept) {
            this.kept = kept;
        }

        @Override
        public boolean reusable() {
            return kept && !failed && closedLatch.getCount() > 0;
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
        public String instantiate(BuildSource source, LogSink log) throws BuilderException {
            BuilderException stale = staleOnce.getAndSet(null);
            if (stale != null) {
                failed = true;
                throw stale;
            }
            log.line("evaluating " + source.getClass().getSimpleName());
            return DRV;
        }

        @Override
        public Derivation readDerivation(String drvPath) throws BuilderException {
            reads.add(drvPath);
            BuilderException failure = readFailure;
            if (failure != null) {
                throw failure;
            }
            return derivation();
        }

        @Override
        public BuildResult build(String drvPath, Derivation derivation, BuildOptions options, LogSink log)
                throws BuilderException {
            builds.add(options);
            log.line("building '" + drvPath + "'...");
            CountDownLatch gate = buildGate;
            if (gate != null) {
                try {
                    while (!gate.await(10, TimeUnit.MILLISECONDS)) {
                        if (closedLatch.getCount() == 0) {
                            throw new BuilderException(BuilderFailure.UNREACHABLE, "session closed mid-build");
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BuilderException(BuilderFailure.UNREACHABLE, "interrupted");
                }
            }
            if (buildFailure != null) {
                throw buildFailure;
            }
            if (crash instanceof RuntimeException e) {
                throw e;
            }
            if (crash instanceof Error e) {
                throw e;
            }
            log.line("\u001B[31;1merror:\u001B[0m last line of the build");
            return result;
        }

        @Override
        public List<PathInfo> queryPathInfos(Collection<String> paths) {
            List<PathInfo> infos = new ArrayList<>();
            for (String path : paths) {
                try {
                    byte[] nar = nar(path);
                    infos.add(new PathInfo(StorePath.parse(path), null, List.of(), 0, nar.length,
                            NixHash.sha256Of(nar), "", List.of()));
                } catch (InvalidStorePathException e) {
                    throw new IllegalStateException(e);
                }
            }
            return infos;
        }

        @Override
        public Set<String> queryClosure(Collection<String> paths) {
            return new LinkedHashSet<>(paths);
        }

        @Override
        public void dumpPath(String path, OutputStream out) throws BuilderException {
            dumps.add(path);
            BuilderException failure = dumpFailure;
            if (failure != null && dumpFailures.getAndDecrement() > 0) {
                throw failure;
            }
            CountDownLatch gate = dumpGate;
            if (gate != null) {
                try {
                    gate.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BuilderException(BuilderFailure.UNREACHABLE, "interrupted");
                }
            }
            try {
                out.write(nar(path));
            } catch (IOException e) {
                throw new BuilderException(BuilderFailure.PROTOCOL_ERROR, e.getMessage(), e);
            }
        }

        @Override
        public Set<String> queryValidPaths(Collection<String> paths) {
            Set<String> valid = new LinkedHashSet<>();
            paths.stream().filter(added::containsKey).forEach(valid::add);
            return valid;
        }

        @Override
        public void addToStore(ValidPathInfo info, InputStream nar) throws BuilderException {
            try {
                byte[] bytes = nar.readNBytes((int) info.narSize());
                addedNars.put(info.path().toString(), bytes);
                added.put(info.path().toString(), info);
            } catch (IOException e) {
                throw new BuilderException(BuilderFailure.PROTOCOL_ERROR, e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            closed.incrementAndGet();
            closedLatch.countDown();
        }
    }

    /** How long tests wait for a run. */
    public static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * How long a test reconciles until a build reaches a phase. The reconciles and the run between them do little, but
     * in the first test of a class they load and interpret that code for the first time: at load 20 on 2 cores that
     * took more than {@link #WAIT} once (LifecycleStepsTest's host key test, whose first reconcile alone took 8 s at
     * load 10). The wait ends as soon as the phase is there.
     */
    public static final Duration SETTLE = Duration.ofSeconds(60);
}
