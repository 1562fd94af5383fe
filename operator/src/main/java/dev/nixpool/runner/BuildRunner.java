package dev.nixpool.runner;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.remote.BuilderConnector;

/**
 * Runs builds off the reconcile threads. A reconcile dispatches a run and reads its progress when the run tells its
 * {@link RunListener}s that it got somewhere; it never waits for a builder. Runs are keyed by NixBuild uid and attempt
 * and live in memory only: after an operator restart there are none, and the lifecycle dispatches the current attempt
 * again. The injected executor's fixed number of threads bounds what the operator does at once; a run beyond that waits
 * in its queue (still "connecting" to its reconciles). Uploads of a built attempt's outputs ({@link UploadJob}) run on
 * the same threads, keyed like runs, and end with them.
 */
@ApplicationScoped
public class BuildRunner {

    private static final Logger LOG = Logger.getLogger(BuildRunner.class);

    private final BuilderConnector connector;
    private final LogStore logs;
    private final ExecutorService executor;
    private final Map<RunKey, Run> runs = new ConcurrentHashMap<>();
    private final List<RunListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<RunKey, Upload> uploads = new ConcurrentHashMap<>();
    private final List<UploadListener> uploadListeners = new CopyOnWriteArrayList<>();
    private final UploadSettings uploadSettings;

    @Inject
    public BuildRunner(BuilderConnector connector, LogStore logs, @RunnerThreads ExecutorService executor,
            NixpoolConfig config) {
        this(connector, logs, executor, UploadSettings.from(config));
    }

    /** With the default upload settings (application.properties' values). */
    public BuildRunner(BuilderConnector connector, LogStore logs, ExecutorService executor) {
        this(connector, logs, executor, UploadSettings.DEFAULTS);
    }

    public BuildRunner(BuilderConnector connector, LogStore logs, ExecutorService executor,
            UploadSettings uploadSettings) {
        this.connector = connector;
        this.logs = logs;
        this.executor = executor;
        this.uploadSettings = uploadSettings;
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
        fresh.started(executor.submit(new UploadJob(fresh, connector, uploadSettings)));
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
        fresh.started(executor.submit(new BuildJob(fresh, connector, logs)));
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

    /** Runs known to this process (finished ones included until their build ends). */
    public int size() {
        return runs.size();
    }

    /** Ends every run; the executor belongs to its producer, which shuts it down. */
    @PreDestroy
    public void close() {
        List.copyOf(runs.keySet()).forEach(this::cancel);
        List.copyOf(uploads.keySet()).forEach(this::cancel);
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
