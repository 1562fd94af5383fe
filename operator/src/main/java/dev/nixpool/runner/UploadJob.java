package dev.nixpool.runner;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import dev.nixpool.cache.BinaryCacheWriter;
import dev.nixpool.cache.CacheDestination;
import dev.nixpool.cache.CacheStore;
import dev.nixpool.cache.DaemonStore;
import dev.nixpool.cache.DaemonStores;
import dev.nixpool.cache.NarDump;
import dev.nixpool.cache.NixStoreTarget;
import dev.nixpool.cache.StoreCopier;
import dev.nixpool.cache.UploadReport;
import dev.nixpool.nix.cache.NarInfo;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.remote.BuilderConnector;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderSession;

/**
 * The work of one upload, on a runner thread: per attempt, a session to the builder (the operator reads, the builder
 * never writes anywhere), the outputs' closure and its path infos, then {@link BinaryCacheWriter#upload}, which asks the
 * destination what it lacks and sends only that, references first, each NAR streamed from the builder's DumpStorePath
 * and signed here. A failed attempt is retried after a backoff; after the last one the result says which outputs the
 * destination has.
 */
final class UploadJob implements Runnable {

    private static final Logger LOG = Logger.getLogger(UploadJob.class);

    private final Upload upload;
    private final BuilderConnector connector;
    private final DaemonStores daemonStores;
    private final UploadSettings settings;

    UploadJob(Upload upload, BuilderConnector connector, DaemonStores daemonStores, UploadSettings settings) {
        this.upload = upload;
        this.connector = connector;
        this.daemonStores = daemonStores;
        this.settings = settings;
    }

    @Override
    public void run() {
        UploadRequest request = upload.request();
        for (int attempt = 1; !upload.cancelled(); attempt++) {
            try {
                UploadResult.Done done = once(request);
                if (done == null) {
                    return;
                }
                LOG.infof("NixBuild %s/%s: copied %d paths to %s (%d were there already)", request.namespace(),
                        request.name(), done.uploaded().size(), request.destination().uri(),
                        done.alreadyPresent().size());
                upload.finish(done);
                return;
            } catch (IOException | BuilderException | RuntimeException e) {
                if (upload.cancelled()) {
                    return;
                }
                String message = message(e);
                if (attempt >= settings.attempts()) {
                    LOG.warnf("NixBuild %s/%s: copying to %s failed after %d attempts: %s", request.namespace(),
                            request.name(), request.destination().uri(), attempt, message);
                    finishFailed(request, message, attempt);
                    return;
                }
                if (!upload.retryAfter(message, settings.backoff(attempt))) {
                    return;
                }
            }
        }
    }

    /** One attempt; null when cancelled before it connected. */
    private UploadResult.Done once(UploadRequest request) throws IOException, BuilderException {
        CacheDestination destination = request.destination();
        BuilderSession session = connector.open(request.address(), request.credentials());
        try {
            if (!upload.attach(session)) {
                return null;
            }
            Set<String> closure = session.queryClosure(request.outputs());
            List<ValidPathInfo> infos = validInfos(session.queryPathInfos(closure));
            NarDump dump = (path, nar) -> {
                try {
                    session.dumpPath(path.toString(), nar);
                } catch (BuilderException e) {
                    throw new IOException(e.getMessage(), e);
                }
            };
            if (destination.isSshStore()) {
                return toStore(destination, infos, dump);
            }
            if (destination.isDaemonStore()) {
                return toDaemon(destination, infos, dump);
            }
            try (CacheStore store = destination.open()) {
                UploadReport report = new BinaryCacheWriter(store, destination.key(), destination.compression(),
                        settings.compressors(), settings.tempDir()).upload(infos, dump);
                return new UploadResult.Done(report.uploaded().stream().map(i -> i.storePath().toString()).toList(),
                        report.alreadyPresent().stream().map(StorePath::toString).toList(), destination.key().name());
            }
        } finally {
            session.close();
        }
    }

    /** An ssh:// destination: another Nix store, logged into with its own key, its host key pinned. */
    private UploadResult.Done toStore(CacheDestination destination, List<ValidPathInfo> infos, NarDump dump)
            throws IOException, BuilderException {
        BuilderSession store = connector.open(destination.sshAddress(), destination.sshCredentials());
        try {
            if (!upload.attach(store)) {
                return null;
            }
            return done(new StoreCopier(new SessionStore(store), destination.key(), settings.tempDir()).copy(infos,
                    dump), destination);
        } finally {
            store.close();
        }
    }

    /** An ssh-ng:// destination: another Nix store's daemon, over SSH with its host key pinned. */
    private UploadResult.Done toDaemon(CacheDestination destination, List<ValidPathInfo> infos, NarDump dump)
            throws IOException {
        try (DaemonStore store = daemonStores.open(destination)) {
            if (!upload.attach(store::close)) {
                return null;
            }
            return done(new StoreCopier(store, destination.key(), settings.tempDir()).copy(infos, dump), destination);
        }
    }

    private static UploadResult.Done done(StoreCopier.Report report, CacheDestination destination) {
        return new UploadResult.Done(report.copied().stream().map(StorePath::toString).toList(),
                report.alreadyPresent().stream().map(StorePath::toString).toList(), destination.key().name());
    }

    /** A destination store reached like a builder: the same serve session. */
    private record SessionStore(BuilderSession session) implements NixStoreTarget {

        @Override
        public Set<StorePath> valid(Collection<StorePath> paths) throws IOException {
            try {
                Set<StorePath> valid = new HashSet<>();
                for (String p : session.queryValidPaths(paths.stream().map(StorePath::toString).toList())) {
                    valid.add(StorePath.parse(p));
                }
                return valid;
            } catch (BuilderException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void add(ValidPathInfo info, InputStream nar) throws IOException {
            try {
                session.addToStore(info, nar);
            } catch (BuilderException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    private static List<ValidPathInfo> validInfos(List<PathInfo> infos) throws IOException {
        List<ValidPathInfo> valid = new ArrayList<>();
        for (PathInfo info : infos) {
            if (info.narHash() == null) {
                throw new IOException("the builder did not send the narHash of " + info.path()
                        + " (serve protocol before 2.4)");
            }
            valid.add(new ValidPathInfo(info.path(), info.deriver(), info.narHash(), info.references(), 0,
                    info.narSize(), false, List.of(), info.ca()));
        }
        return valid;
    }

    /** Asks the destination, after the failure, which outputs it has; one it cannot say counts as missing. */
    private void finishFailed(UploadRequest request, String message, int attempts) {
        Map<String, Boolean> arrived = new LinkedHashMap<>();
        request.outputs().forEach(o -> arrived.put(o, false));
        try {
            arrived.putAll(arrived(request));
        } catch (IOException | BuilderException | RuntimeException e) {
            LOG.debugf("NixBuild %s/%s: could not ask %s which outputs arrived: %s", request.namespace(),
                    request.name(), request.destination().uri(), message(e));
        }
        List<String> yes = arrived.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        List<String> no = arrived.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        upload.finish(new UploadResult.Failed(message, attempts, yes, no));
    }

    private Map<String, Boolean> arrived(UploadRequest request) throws IOException, BuilderException {
        Map<String, Boolean> arrived = new LinkedHashMap<>();
        CacheDestination destination = request.destination();
        if (destination.isSshStore()) {
            try (BuilderSession store = connector.open(destination.sshAddress(), destination.sshCredentials())) {
                Set<String> valid = store.queryValidPaths(request.outputs());
                request.outputs().forEach(o -> arrived.put(o, valid.contains(o)));
            }
            return arrived;
        }
        if (destination.isDaemonStore()) {
            try (DaemonStore store = daemonStores.open(destination)) {
                Map<StorePath, String> outputs = new LinkedHashMap<>();
                for (String o : request.outputs()) {
                    outputs.put(StorePath.parse(o), o);
                }
                Set<StorePath> valid = store.valid(outputs.keySet());
                outputs.forEach((path, o) -> arrived.put(o, valid.contains(path)));
            }
            return arrived;
        }
        try (CacheStore store = destination.open()) {
            for (String output : request.outputs()) {
                arrived.put(output, store.exists(NarInfo.key(StorePath.parse(output))));
            }
        }
        return arrived;
    }

    private static String message(Exception e) {
        if (e instanceof InterruptedIOException) {
            return "interrupted: " + e.getMessage();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
