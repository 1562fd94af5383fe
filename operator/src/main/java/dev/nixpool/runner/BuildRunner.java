package dev.nixpool.runner;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.nixpool.cache.CacheStoreException;
import dev.nixpool.cache.DaemonStores;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderConnector;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.status.Reason;

/**
 * Runs builds off the reconcile threads. A reconcile dispatches a run and reads its progress when the run tells its
 * {@link RunListener}s that it got somewhere; it never waits for a builder. Runs are keyed by NixBuild uid and attempt
 * and live in memory only: after an operator restart there are none, and the lifecycle dispatches the current attempt
 * again. The injected executor's fixed number of threads bounds what the operator does at once; a run beyond that waits
 * in its queue (still "connecting" to its reconciles), and a namespace with {@code nixpool.runner.namespace-threads} runs
 * on the threads already waits in its own queue ({@link NamespaceShare}), so one tenant cannot take every thread. Uploads of a built
 * attempt's outputs ({@link UploadJob}) run on the same threads and share, keyed like runs, and end with them.
 */
@ApplicationScoped
public class BuildRunner {

    private static final Logger LOG = Logger.getLogger(BuildRunner.class);

    /** Uploads open sessions of their own: an upload must not take a kept builder's ready build session. */
    private final BuilderConnector connector;
    private final KeptSessions sessions;
    private final LogStore logs;
    private final NamespaceShare share;
    private final Map<RunKey, Run> runs = new ConcurrentHashMap<>();
    private final List<RunListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<RunKey, Upload> uploads = new ConcurrentHashMap<>();
    private final List<UploadListener> uploadListeners = new CopyOnWriteArrayList<>();
    private final UploadSettings uploadSettings;
    private volatile DaemonStores daemonStores = destination -> {
        throw new CacheStoreException(destination.uri() + ": this runner has no ssh-ng:// client");
    };

    @Inject
    public BuildRunner(BuilderConnector connector, LogStore logs, @RunnerThreads ExecutorService executor,
            NixpoolConfig config, DaemonStores daemonStores) {
        this(connector, logs, executor, config.runner().namespaceThreads(), UploadSettings.from(config));
        this.daemonStores = daemonStores;
    }

    /** Without a share per namespace (every run may take any thread) and with the default upload settings. */
    public BuildRunner(BuilderConnector connector, LogStore logs, ExecutorService executor) {
        this(connector, logs, executor, Integer.MAX_VALUE, UploadSettings.DEFAULTS);
    }

    /** @param namespaceThreads runs one namespace may have on the executor at once ({@link NamespaceShare}) */
    public BuildRunner(BuilderConnector connector, LogStore logs, ExecutorService executor, int namespaceThreads) {
        this(connector, logs, executor, namespaceThreads, UploadSettings.DEFAULTS);
    }

    public BuildRunner(BuilderConnector connector, LogStore logs, ExecutorService executor,
            UploadSettings uploadSettings) {
        this(connector, logs, executor, Integer.MAX_VALUE, uploadSettings);
    }

    public BuildRunner(BuilderConnector connector, LogStore logs, ExecutorService executor, int namespaceThreads,
            UploadSettings uploadSettings) {
        this.connector = connector;
        this.sessions = new KeptSessions(connector);
        this.logs = logs;
        this.share = new NamespaceShare(executor, namespaceThreads);
        this.uploadSettings = uploadSettings;
    }

    /** ssh-ng:// destinations of uploads dispatched from now on are opened with {@code stores}. */
    public void useDaemonStores(DaemonStores stores) {
        this.daemonStores = stores;
    }

    /**
     * True while the operator's kept connection to the builder at {@code address} is being warmed (see
     * {@link KeptSessions#warming}): the builder is Ready but a build on it would wait for that.
     */
    public boolean warming(BuilderAddress address) {
        return sessions.warming(address);
    }

    /** From now on, {@code listener} hears the pool (scope of {@link #keepConnected}) of each builder warmed. */
    public void onWarmed(Consumer<String> listener) {
        sessions.onWarmed(listener);
    }

    /** From now on, {@code listener} hears every run's milestones. */
    public void listen(RunListener listener) {
        listeners.add(listener);
    }

    /** From now on, {@code listener} hears of every upload's progress. */
    public void listenUploads(UploadListener listener) {
        uploadListeners.add(listener);
    }

    /** Starts the upload unless one with this key exists; true when this call started it. */
    public boolean dispatchUpload(UploadRequest request) {
        Upload fresh = new Upload(request, this::tellUpload);
        Upload existing = uploads.putIfAbsent(request.key(), fresh);
        if (existing != null) {
            return false;
        }
        fresh.started(share.submit(request.namespace(), new UploadJob(fresh, connector, daemonStores, uploadSettings)));
        return true;
    }

    public Optional<UploadProgress> uploadProgress(RunKey key) {
        return Optional.ofNullable(uploads.get(key)).map(Upload::progress);
    }

    /** Starts the run unless one with this key exists; true when this call started it. */
    public boolean dispatch(RunRequest request) {
        Run fresh = new Run(request, this::tell);
        Run existing = runs.putIfAbsent(request.key(), fresh);
        if (existing != null) {
            return false;
        }
        fresh.started(share.submit(request.namespace(), new BuildJob(fresh, sessions, logs)));
        return true;
    }

    /**
     * Starts a run whose work is done by {@code driver} (a gateway client's connection drives the build on the
     * builder) instead of a runner thread, unless one with this key exists; true when this call started it. Without a
     * driver (the client is gone, or the operator restarted since) the run fails at once: nobody is left to build for.
     */
    public boolean handOff(RunRequest request, Optional<RunDriver> driver) {
        Run fresh = new Run(request, this::tell);
        Run existing = runs.putIfAbsent(request.key(), fresh);
        if (existing != null) {
            return false;
        }
        if (driver.isEmpty()) {
            fresh.finish(new RunResult.Failed(Reason.CANCELLED,
                    "the Nix client that started this build through the gateway is no longer connected", false));
            return true;
        }
        driver.get().assigned(request, new AttachedRun(fresh, logs));
        return true;
    }

    public Optional<RunProgress> progress(RunKey key) {
        return Optional.ofNullable(runs.get(key)).map(Run::progress);
    }

    /** Stops one attempt (its builder is lost or being replaced) and forgets it. */
    public void cancel(RunKey key) {
        Run run = runs.remove(key);
        if (run != null) {
            run.cancel();
        }
        Upload upload = uploads.remove(key);
        if (upload != null) {
            upload.cancel();
        }
    }

    /** Stops and forgets every attempt of a build: it ended or is being deleted. */
    public void end(String uid) {
        List<RunKey> keys = runs.keySet().stream().filter(k -> k.uid().equals(uid)).toList();
        keys.forEach(this::cancel);
        uploads.keySet().stream().filter(k -> k.uid().equals(uid)).toList().forEach(this::cancel);
    }

    /** Runs waiting for their namespace's share of the threads ({@link NamespaceShare}), all namespaces together. */
    public int waitingForShare() {
        return share.waitingTotal();
    }

    /** Runs known to this process (finished ones included until their build ends). */
    public int size() {
        return runs.size();
    }

    /**
     * Keeps connections to a pool's Ready builders, with a started serve session each, so that their next build starts
     * at once; connections to the pool's other builders go (their builds keep theirs until they end).
     *
     * @param scope the pool, as namespace/name
     * @param ready the pool's Ready builders: address and pod name
     * @param credentials reads a builder's key Secret; called off the caller's thread, for builders not kept yet
     */
    public void keepConnected(String scope, List<KeptBuilder> ready,
            Function<KeptBuilder, Optional<BuilderCredentials>> credentials) {
        sessions.retain(scope, ready, credentials);
    }

    /** Ends every run and every kept connection; the executor belongs to its producer, which shuts it down. */
    @PreDestroy
    public void close() {
        List.copyOf(runs.keySet()).forEach(this::cancel);
        List.copyOf(uploads.keySet()).forEach(this::cancel);
        sessions.close();
    }

    /** A listener's failure costs at most a wake-up (the lifecycle's safety requeue covers it), never the run. */
    private void tell(RunRequest request, RunMilestone milestone) {
        for (RunListener listener : listeners) {
            try {
                listener.reached(request, milestone);
            } catch (RuntimeException e) {
                LOG.warnf(e, "a listener failed on %s of NixBuild %s/%s attempt %d", milestone, request.namespace(),
                        request.name(), request.key().attempt());
            }
        }
    }

    private void tellUpload(UploadRequest request) {
        for (UploadListener listener : uploadListeners) {
            try {
                listener.progressed(request);
            } catch (RuntimeException e) {
                LOG.warnf(e, "a listener failed on the upload of NixBuild %s/%s attempt %d", request.namespace(),
                        request.name(), request.key().attempt());
            }
        }
    }
}
