package dev.nixpool.runtime;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.nixpool.Names;

/**
 * Plays kubelet for builder pods, and only for them: watches the pods the operator creates for builders (all
 * namespaces) and runs each one as local processes with the repository's real builder entrypoint, its own loopback
 * address as pod IP and its own Nix store. It reports pod status through the Kubernetes API only, so the operator cannot
 * tell it from a real node. See docs/builder-runtime.md for what it emulates and what it does not.
 * <p>
 * Needs root (mount and PID namespaces), util-linux {@code setpriv} and {@code unshare}, and sshd.
 */
public final class BuilderRuntime implements AutoCloseable {

    /** The label selector of builder pods (docs/builder-contract.md). */
    public static final Map<String, String> BUILDER_POD_LABELS = Map.of(Names.LABEL_MANAGED_BY, Names.MANAGED_BY,
            Names.LABEL_COMPONENT, Names.COMPONENT_BUILDER);

    private static final Logger LOG = Logger.getLogger(BuilderRuntime.class);
    private static final String LOCK_FILE = ".builder-runtime.lock";
    private static final int CLOSE_TIMEOUT_SECONDS = 60;

    private final KubernetesClient client;
    private final BuilderRuntimeConfig config;
    private final LoopbackAddressPool addresses;
    private final PodStatusWriter statusWriter;
    private final Map<String, BuilderPod> pods = new ConcurrentHashMap<>();
    private final Queue<BuilderPod> waitingForAddress = new ConcurrentLinkedQueue<>();
    private final Queue<BuilderPod> waitingForClaim = new ConcurrentLinkedQueue<>();
    private final SchedulingEvents schedulingEvents;
    private final KubeletEvents kubeletEvents;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ExecutorService spawner;
    private ExecutorService workers;
    private SharedIndexInformer<Pod> informer;
    private SharedIndexInformer<PersistentVolumeClaim> claimInformer;
    private FileChannel lockChannel;
    private FileLock workDirLock;
    private Thread shutdownHook;

    public BuilderRuntime(KubernetesClient client, BuilderRuntimeConfig config) {
        this.client = client;
        this.config = config;
        this.addresses = new LoopbackAddressPool(config.addresses());
        this.statusWriter = new PodStatusWriter(client);
        this.schedulingEvents = new SchedulingEvents(client, config.node().name());
        this.kubeletEvents = new KubeletEvents(client, config.node().name());
    }

    /** Claims the work dir, starts watching builder pods and returns once the existing ones are known. */
    public synchronized void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("builder runtime already started");
        }
        config.validate();
        requireCommand("setpriv");
        requireCommand("unshare");
        claimWorkDir();
        spawner = Executors.newSingleThreadExecutor(daemonThreads("nixpool-runtime-spawner"));
        workers = Executors.newCachedThreadPool(daemonThreads("nixpool-runtime-worker"));
        shutdownHook = new Thread(this::closeFromShutdownHook, "nixpool-runtime-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            NodeRegistration.register(client, config.node());
            claimInformer = client.persistentVolumeClaims().inAnyNamespace().inform(new ClaimEvents(), 0);
            informer = client.pods().inAnyNamespace().withLabels(BUILDER_POD_LABELS).inform(new PodEvents(), 0);
        } catch (RuntimeException e) {
            if (claimInformer != null) {
                claimInformer.close();
            }
            spawner.shutdownNow();
            workers.shutdownNow();
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
            releaseWorkDir();
            throw e;
        }
        LOG.infof("builder runtime started: work dir %s, addresses %s, node %s with labels %s and taints %s",
                config.workDir(), config.addresses(), config.node().name(), config.node().labels(),
                config.node().taints());
    }

    /**
     * Stops watching, kills every pod's processes, marks the pods that were still running Failed (as a node shutdown
     * does), removes their directories and releases the work dir. Safe to call twice.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || informer == null) {
            return;
        }
        informer.close();
        claimInformer.close();
        List<Future<?>> stops = new ArrayList<>();
        for (BuilderPod pod : pods.values()) {
            stops.add(workers.submit(() -> stop(pod, true)));
        }
        List<String> failures = new ArrayList<>();
        for (Future<?> stop : stops) {
            try {
                stop.get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception e) {
                failures.add(String.valueOf(e.getCause() == null ? e : e.getCause()));
            }
        }
        pods.clear();
        waitingForAddress.clear();
        waitingForClaim.clear();
        finishWorkers(failures);
        spawner.shutdownNow();
        releaseWorkDir();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // called from the hook itself
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("builder runtime closed, but stopping some pods failed: " + failures);
        }
    }

    /** Builder pods whose processes are alive now. */
    public List<LiveBuilder> liveBuilders() {
        List<LiveBuilder> live = new ArrayList<>();
        for (BuilderPod pod : pods.values()) {
            synchronized (pod) {
                if (pod.process != null && pod.process.isAlive() && !pod.stopping) {
                    live.add(new LiveBuilder(pod.namespace, pod.name, pod.uid, pod.address, pod.spec.sshPort(),
                            pod.process.processes().stream().map(ProcessHandle::pid).toList(), pod.dirs.state(),
                            storeDir(pod), pod.dirs.root(), pod.process.sshLogins()));
                }
            }
        }
        return live;
    }

    /** The pod's store as seen from the host; through /proc for a store on a tmpfs only the pod's namespace has. */
    private static Path storeDir(BuilderPod pod) {
        Path root = pod.storeRoot != null
                ? pod.storeRoot
                : Path.of("/proc", String.valueOf(pod.process.pid()), "root", "nix");
        return root.resolve("store");
    }

    /**
     * Simulates a crashed builder: SIGKILL to all of the pod's processes at once, without telling anyone. The runtime
     * then reports the pod Failed with exit code 137, as a kubelet would.
     *
     * @throws IllegalArgumentException when no live builder has that name
     */
    public void killAbruptly(String namespace, String name) {
        for (BuilderPod pod : pods.values()) {
            synchronized (pod) {
                if (pod.namespace.equals(namespace) && pod.name.equals(name) && pod.process != null
                        && pod.process.isAlive()) {
                    pod.process.crash();
                    return;
                }
            }
        }
        throw new IllegalArgumentException("no live builder pod " + namespace + "/" + name + "; live: "
                + liveBuilders().stream().map(b -> b.namespace() + "/" + b.name()).toList());
    }

    private final class PodEvents implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            track(pod);
        }

        @Override
        public void onUpdate(Pod oldPod, Pod newPod) {
            // our own status writes come back here; pods are otherwise immutable where it matters to us
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            BuilderPod tracked = pods.remove(key(pod));
            if (tracked != null) {
                submit(tracked, () -> stop(tracked, false));
            }
        }
    }

    /** A claim that shows up may be the one a Pending pod waits for: kube-scheduler retries such pods then too. */
    private final class ClaimEvents implements ResourceEventHandler<PersistentVolumeClaim> {
        @Override
        public void onAdd(PersistentVolumeClaim claim) {
            for (BuilderPod waiting; (waiting = waitingForClaim.poll()) != null;) {
                BuilderPod pod = waiting;
                submit(pod, () -> launch(pod, null));
            }
        }

        @Override
        public void onUpdate(PersistentVolumeClaim oldClaim, PersistentVolumeClaim newClaim) {
            // a claim that exists already let its pods through
        }

        @Override
        public void onDelete(PersistentVolumeClaim claim, boolean finalStateUnknown) {
            // as in Kubernetes, a running pod keeps a claim deleted under it
        }
    }

    private void track(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase) || pod.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        BuilderPod tracked = new BuilderPod(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                pod.getMetadata().getUid());
        if (pods.putIfAbsent(key(pod), tracked) != null) {
            return;
        }
        if ("Running".equals(phase)) {
            // a pod another (killed or closed) runtime started: its processes died with that runtime
            submit(tracked, () -> lost(tracked, pod));
        } else {
            submit(tracked, () -> launch(tracked, pod));
        }
    }

    private void lost(BuilderPod pod, Pod seen) {
        var containers = seen.getSpec() == null ? null : seen.getSpec().getContainers();
        var container = containers == null || containers.isEmpty() ? null : containers.get(0);
        synchronized (pod) {
            pod.state = ObservedPodState.scheduled(container == null ? null : container.getName(),
                    container == null ? null : container.getImage())
                    .rejected("ContainerLost",
                            "the builder runtime that ran this pod is gone; its processes died with it");
            report(pod);
        }
        pods.remove(pod.uid, pod);
    }

    private void launch(BuilderPod pod, Pod seen) {
        synchronized (pod) {
            if (pod.stopping) {
                return;
            }
            try {
                if (pod.spec == null) {
                    Pod manifest = seen != null ? seen : pod.manifest;
                    pod.manifest = manifest;
                    var container = manifest.getSpec() == null || manifest.getSpec().getContainers() == null
                            || manifest.getSpec().getContainers().isEmpty()
                                    ? null
                                    : manifest.getSpec().getContainers().get(0);
                    pod.state = ObservedPodState.scheduled(container == null ? null : container.getName(),
                            container == null ? null : container.getImage());
                    if (!schedule(pod, manifest) || !imageAvailable(pod, manifest, container)) {
                        return;
                    }
                    pod.spec = BuilderPodSpec.from(manifest);
                    pod.manifest = null;
                }
                var address = addresses.allocate(candidate -> portIsFree(candidate, pod.spec.sshPort()));
                if (address.isEmpty()) {
                    pod.state = pod.state.unschedulable("no free loopback address in " + config.addresses()
                            + " with port " + pod.spec.sshPort() + " unused (" + addresses.inUse()
                            + " builders running)");
                    report(pod);
                    waitingForAddress.add(pod);
                    return;
                }
                pod.address = address.get();
                pod.state = pod.state.creating(pod.address);
                report(pod);
                pod.dirs = PodDirectories.create(config.workDir(), pod.namespace, pod.name, pod.uid);
                pod.dirs.ownBy(pod.spec.identity());
                var volume = pod.spec.secretVolume();
                Secret secret = client.secrets().inNamespace(pod.namespace).withName(volume.secretName()).get();
                SecretVolumeWriter.write(volume, secret, pod.namespace, pod.dirs.ssh(),
                        pod.spec.identity().fsGroup());
                PodVolumes volumes = PodVolumes.prepare(pod.spec, pod.dirs, config.workDir());
                pod.storeRoot = volumes.storeRoot();
                pod.process = BuilderProcess.start(spawner, pod.displayName(), volumes.mounts(),
                        pod.spec.identity().wrap(List.of(config.entrypoint().toString())), pod.dirs.state(),
                        containerEnv(pod), config.niceness());
                pod.state = pod.state.running(pod.process.pid());
                report(pod);
                LOG.infof("builder pod %s runs as process %d on %s:%d", pod.displayName(), pod.process.pid(),
                        pod.address, pod.spec.sshPort());
            } catch (PodRejectedException e) {
                reject(pod, e.reason(), e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                reject(pod, "RunContainerError", "the builder runtime could not start the container: " + e);
                return;
            }
            pod.process.onExit().thenRunAsync(() -> exited(pod), workers);
        }
        awaitReadiness(pod);
    }

    /**
     * kube-scheduler's part: VolumeBinding's PreFilter (every claim the pod names exists), then the Filter plugins
     * against the one node ({@link NodeFit}). A pod that does not fit stays Pending with PodScheduled=False and the
     * scheduler's message, and gets a FailedScheduling Event; one missing a claim is tried again when claims appear.
     * Caller holds the pod's monitor.
     *
     * @return whether the pod fits
     */
    private boolean schedule(BuilderPod pod, Pod manifest) {
        String missingClaim = Optional.ofNullable(manifest.getSpec().getVolumes()).orElse(List.of()).stream()
                .filter(volume -> volume.getPersistentVolumeClaim() != null)
                .map(volume -> volume.getPersistentVolumeClaim().getClaimName())
                .filter(claim -> !claimExists(pod.namespace, claim)).findFirst().orElse(null);
        String message = missingClaim != null
                ? SchedulerMessages.claimNotFound(missingClaim)
                : NodeFit.rejection(manifest.getSpec(), config.node()).map(SchedulerMessages::filterFailure)
                        .orElse(null);
        if (message == null) {
            return true;
        }
        pod.state = pod.state.unschedulable(message);
        report(pod);
        if (!message.equals(pod.schedulingMessage)) {
            pod.schedulingMessage = message;
            schedulingEvents.failedScheduling(manifest, message);
        }
        if (missingClaim != null) {
            waitingForClaim.add(pod);
            // the claim may have been created between the lookup and the queueing, its event already handled
            if (claimExists(pod.namespace, missingClaim) && waitingForClaim.remove(pod)) {
                submit(pod, () -> launch(pod, null));
            }
        }
        return false;
    }

    /**
     * The kubelet's image pull, against the images the runtime has ({@link ImageCatalog}): a pod whose image it does not
     * have stays Pending with its container waiting (ErrImagePull) and a Failed Event, as on a node that cannot pull
     * it. Caller holds the pod's monitor.
     */
    private boolean imageAvailable(BuilderPod pod, Pod manifest, Container container) {
        var problem = ImageCatalog.problem(container == null ? null : container.getImage(),
                container == null ? null : container.getImagePullPolicy());
        if (problem.isEmpty()) {
            return true;
        }
        pod.state = pod.state.imageUnavailable(problem.get().reason(), problem.get().message());
        report(pod);
        kubeletEvents.failed(manifest, "Failed to pull image \"" + container.getImage() + "\": "
                + problem.get().message());
        return false;
    }

    private boolean claimExists(String namespace, String claim) {
        return client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get() != null;
    }

    private Map<String, String> containerEnv(BuilderPod pod) {
        Map<String, String> env = new LinkedHashMap<>();
        // the home passwd gives the container's user (UserDatabase), root's too: nothing of the host's
        env.put("HOME", pod.dirs.home().toString());
        env.putAll(pod.spec.env());
        env.put("NIXPOOL_SSH_DIR", pod.dirs.ssh().toString());
        env.put("NIXPOOL_LISTEN_ADDRESS", pod.address);
        env.put("NIXPOOL_STATE_DIR", pod.dirs.state().toString());
        return env;
    }

    /** The contract's readiness probe: TCP connect to the {@code ssh} port, until it answers or the process ends. */
    private void awaitReadiness(BuilderPod pod) {
        while (true) {
            String address;
            synchronized (pod) {
                if (pod.stopping || pod.state.stage() != ObservedPodState.Stage.RUNNING) {
                    return;
                }
                address = pod.address;
            }
            if (acceptsTcp(address, pod.spec.sshPort())) {
                synchronized (pod) {
                    if (!pod.stopping && pod.state.stage() == ObservedPodState.Stage.RUNNING
                            && pod.process.isAlive()) {
                        pod.state = pod.state.ready();
                        report(pod);
                    }
                }
                return;
            }
            try {
                Thread.sleep(config.probePeriod().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void exited(BuilderPod pod) {
        synchronized (pod) {
            if (pod.stopping) {
                return;
            }
            int code = pod.process.exitCode();
            pod.state = pod.state.terminated(code, code == 0 ? "" : pod.process.lastOutput());
            LOG.infof("builder pod %s exited with code %d", pod.displayName(), code);
            report(pod);
            cleanUp(pod);
        }
        pods.remove(pod.uid, pod);
    }

    private void stop(BuilderPod pod, boolean reportShutdown) {
        BuilderProcess process;
        synchronized (pod) {
            pod.stopping = true;
            process = pod.process;
        }
        waitingForAddress.remove(pod);
        waitingForClaim.remove(pod);
        if (process != null) {
            process.stop(config.stopGracePeriod());
        }
        synchronized (pod) {
            if (reportShutdown && pod.state != null && !pod.state.isFinal()) {
                pod.state = process == null
                        ? pod.state.rejected("Terminated",
                                "the builder runtime was closed before the container started")
                        : pod.state.shutDown(process.exitCode());
                report(pod);
            }
            cleanUp(pod);
        }
        LOG.infof("builder pod %s stopped", pod.displayName());
    }

    private void reject(BuilderPod pod, String reason, String message) {
        LOG.warnf("builder pod %s failed: %s", pod.displayName(), message);
        if (pod.process != null) {
            pod.process.stop(config.stopGracePeriod());
        }
        pod.state = pod.state.rejected(reason, message);
        report(pod);
        cleanUp(pod);
        pods.remove(pod.uid, pod);
    }

    /** Caller holds the pod's monitor. */
    private void cleanUp(BuilderPod pod) {
        if (pod.dirs != null) {
            try {
                pod.dirs.delete();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the directory of builder pod " + pod.displayName(), e);
            }
            pod.dirs = null;
        }
        if (pod.address != null) {
            addresses.release(pod.address);
            pod.address = null;
            retryWaitingPods();
        }
    }

    private void retryWaitingPods() {
        if (closed.get()) {
            return;
        }
        for (BuilderPod waiting; (waiting = waitingForAddress.poll()) != null;) {
            BuilderPod pod = waiting;
            submit(pod, () -> launch(pod, null));
        }
    }

    /** Caller holds the pod's monitor; an unreachable API server must not take the process bookkeeping down with it. */
    private void report(BuilderPod pod) {
        if (pod.stopping && !pod.state.isFinal()) {
            return;
        }
        try {
            statusWriter.write(pod.namespace, pod.name, PodStatusRenderer.render(pod.state));
        } catch (RuntimeException e) {
            LOG.warnf(e, "cannot write the status of builder pod %s (phase %s)", pod.displayName(),
                    PodStatusRenderer.render(pod.state).getPhase());
        }
    }

    private void submit(BuilderPod pod, Runnable task) {
        if (closed.get()) {
            return;
        }
        workers.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "builder runtime task for pod %s failed", pod.displayName());
            }
        });
    }

    /**
     * Lets the tasks under way end before the workers stop, among them the stops of pods deleted just before the close
     * (no longer in {@link #pods}, so not stopped above): an interrupt would cut such a stop's grace period short, and
     * its clean-up of the pod's files and address would race with the release of the work dir.
     */
    private void finishWorkers(List<String> failures) {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                failures.add("builder runtime tasks still running after " + CLOSE_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getUid();
    }

    /** The kubelet's readiness check; also how a free address is told apart from one someone else already serves. */
    private static boolean acceptsTcp(String address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean portIsFree(String address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // sshd binds with SO_REUSEADDR too, so old TIME_WAIT connections do not make an address look taken
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void claimWorkDir() {
        try {
            Files.createDirectories(config.workDir());
            // non-root pods pass through it to their own directories (each 0710, group-restricted)
            Files.setPosixFilePermissions(config.workDir(),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            lockChannel = FileChannel.open(config.workDir().resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            workDirLock = lockChannel.tryLock();
            if (workDirLock == null) {
                lockChannel.close();
                throw new IllegalStateException(
                        "work dir " + config.workDir() + " is in use by another builder runtime; give each its own");
            }
            for (Path leftover : PodDirectories.leftovers(config.workDir())) {
                LOG.infof("removing %s, left behind by a builder runtime that did not close", leftover);
                PodDirectories.deleteTree(leftover);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim work dir " + config.workDir(), e);
        }
    }

    private void releaseWorkDir() {
        try {
            workDirLock.release();
            lockChannel.close();
            Files.deleteIfExists(config.workDir().resolve(LOCK_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release work dir " + config.workDir(), e);
        }
    }

    private void closeFromShutdownHook() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.error("builder runtime did not close cleanly at JVM exit", e);
        }
    }

    private static void requireCommand(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return;
            }
        }
        throw new IllegalStateException(
                "the builder runtime needs util-linux's " + command + " on PATH (" + path + "), found none");
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
