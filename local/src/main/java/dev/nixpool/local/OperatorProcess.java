package dev.nixpool.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.nixpool.runtime.Niceness;

/**
 * The operator as a process of its own: the packaged Quarkus application ({@code quarkus-run.jar}) with a kubeconfig,
 * the same code and configuration keys as in a cluster. Ready when its {@code /q/health/ready} answers 200 (a standby
 * that waits for the leader Lease is Ready too). Its output goes to a log file that restarts append to. Each start is
 * like a new pod of a Deployment: it takes part in leader election under a new identity, {@code NAME-xxxxx}, while the
 * HTTP port and the log file stay. An exit nobody asked for ({@link #stop()} not called) is reported to the
 * {@link ExitListener}, which restarts it in local mode ({@link OperatorSupervisor}). Both its ports are on loopback:
 * HTTP (health, the build log API) on a free port, and the management interface (Prometheus metrics at {@code /q/metrics}) on
 * {@code quarkus.management.port} when the settings give one, else on a free port too.
 */
public final class OperatorProcess implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OperatorProcess.class);
    private static final Duration PROBE_PERIOD = Duration.ofMillis(200);
    private static final int LOG_TAIL_LINES = 40;
    /** The operator setting that names this start in the leader election. */
    static final String IDENTITY_PROPERTY = "nixpool.leader-election.identity";
    private static final String SUFFIX_CHARACTERS = "bcdfghjklmnpqrstvwxz2456789";

    /** Told when the process exits although nobody stopped it (a crash, a kill, leadership lost). */
    @FunctionalInterface
    public interface ExitListener {
        void exited(OperatorProcess operator, long pid, int exitCode, Duration ranFor);
    }
    private static final String MANAGEMENT_PORT = "quarkus.management.port";

    /**
     * @param name what the process is called in logs and the stem of its leader election identity, e.g. operator-0
     * @param quarkusRunJar {@code operator/target/quarkus-app/quarkus-run.jar}
     * @param kubeconfig what {@code KUBECONFIG} is set to
     * @param logFile stdout and stderr of every start, appended
     * @param properties system properties, i.e. operator settings such as {@code nixpool.builder.ssh-user}
     * @param jvmOptions extra JVM options, e.g. a heap limit
     * @param niceness the CPU priority the process runs at ({@link Niceness}): 0 but in a benchmark that stands the
     *        operator on another node than the API server's
     */
    public record Settings(String name, Path quarkusRunJar, Path kubeconfig, Path logFile,
            Map<String, String> properties,
            List<String> jvmOptions, Duration readyTimeout, Duration stopGracePeriod, int niceness) {
        public Settings {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(quarkusRunJar, "quarkusRunJar");
            Objects.requireNonNull(kubeconfig, "kubeconfig");
            Objects.requireNonNull(logFile, "logFile");
            properties = Map.copyOf(properties);
            jvmOptions = List.copyOf(jvmOptions);
            Objects.requireNonNull(readyTimeout, "readyTimeout");
            Objects.requireNonNull(stopGracePeriod, "stopGracePeriod");
            Niceness.require(niceness, "niceness");
        }
    }

    private final Settings settings;
    private final int httpPort;
    private final int managementPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /*
     * setpriv's parent-death signal belongs to the thread that forked: one long-lived thread starts every operator
     * process, so the operator dies with this JVM even when the JVM is killed, and never while this JVM lives.
     */
    private final ExecutorService spawner = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "nixpool-operator-spawner");
        thread.setDaemon(true);
        return thread;
    });
    /* Exits are looked at off the process reaper's thread: a listener may take the lock and start the operator again. */
    private final ExecutorService watcher = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "nixpool-operator-watcher");
        thread.setDaemon(true);
        return thread;
    });
    private final SecureRandom random = new SecureRandom();
    private volatile ExitListener exitListener = (operator, pid, code, ranFor) -> {
    };
    private Process process;
    /* read without the lock: start() holds it until the process is ready */
    private volatile String identity = "";
    private Instant startedAt = Instant.EPOCH;

    public OperatorProcess(Settings settings) {
        this.settings = settings;
        this.httpPort = freeLoopbackPort();
        String management = settings.properties().get(MANAGEMENT_PORT);
        this.managementPort = management != null ? Integer.parseInt(management) : freeLoopbackPort();
    }

    /** Who hears of exits nobody asked for; by default no one. */
    public void onUnexpectedExit(ExitListener listener) {
        this.exitListener = Objects.requireNonNull(listener, "listener");
    }

    /** Starts the operator and returns once it reports ready. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("operator already running as process " + process.pid());
        }
        if (!Files.isRegularFile(settings.quarkusRunJar())) {
            throw new IllegalStateException("operator application " + settings.quarkusRunJar()
                    + " does not exist: build it with 'mvn -B package' (or run ./nixpool, which builds it)");
        }
        identity = settings.name() + "-" + suffix();
        List<String> command = command();
        try {
            Files.createDirectories(settings.logFile().toAbsolutePath().getParent());
            Files.writeString(settings.logFile(), "=== " + settings.name() + " start " + Instant.now() + " as "
                    + identity + " ===\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("KUBECONFIG", settings.kubeconfig().toAbsolutePath().toString());
            process = spawner.submit(builder::start).get();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the operator: " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the operator", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start the operator: " + command, e.getCause());
        }
        startedAt = Instant.now();
        Process started = process;
        started.onExit().thenRunAsync(() -> reportExit(started), watcher);
        LOG.infof("%s started as process %d (leader election identity %s), HTTP on %s, management on %s, log %s",
                settings.name(), process.pid(), identity, httpUrl(), managementUrl(), settings.logFile());
        awaitReady();
    }

    /** An exit of the current process that {@link #stop()} did not cause. */
    private void reportExit(Process exited) {
        Duration ranFor;
        synchronized (this) {
            if (process != exited) {
                return;
            }
            process = null;
            ranFor = Duration.between(startedAt, Instant.now());
        }
        exitListener.exited(this, exited.pid(), exited.exitValue(), ranFor);
    }

    /** SIGTERM, then SIGKILL after the grace period; waits until the process is gone. Safe when not running. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process stopping = process;
        process = null;
        stopping.destroy();
        try {
            if (!stopping.waitFor(settings.stopGracePeriod().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("operator process %d ignored SIGTERM for %s: killing it", stopping.pid(),
                        settings.stopGracePeriod());
                stopping.descendants().forEach(ProcessHandle::destroyForcibly);
                stopping.destroyForcibly();
                stopping.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            stopping.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGKILL, as when the OOM killer or a lost node takes the pod: no shutdown, the Lease is not given back, and the
     * exit counts as unexpected (the {@link ExitListener} hears of it). Returns without waiting for the exit.
     */
    public synchronized void kill() {
        if (process == null) {
            throw new IllegalStateException(settings.name() + " is not running");
        }
        LOG.infof("killing %s (process %d, %s)", settings.name(), process.pid(), identity);
        process.destroyForcibly();
    }

    public synchronized void restart() {
        stop();
        start();
    }

    /** The operator's HTTP endpoint (health, the build log API); the same across restarts. */
    public URI httpUrl() {
        return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + httpPort);
    }

    /** The operator's management interface (Prometheus metrics at {@code /q/metrics}); the same across restarts. */
    public URI managementUrl() {
        return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + managementPort);
    }

    public String name() {
        return settings.name();
    }

    /** The leader election identity of the current (or last) start. */
    public String identity() {
        return identity;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("operator not running");
        }
        return process.pid();
    }

    public Path logFile() {
        return settings.logFile();
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            spawner.shutdownNow();
            watcher.shutdownNow();
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(Niceness.prefix(settings.niceness()));
        command.addAll(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.jvmOptions());
        Map<String, String> properties = new TreeMap<>(settings.properties());
        properties.put("quarkus.http.host", InetAddress.getLoopbackAddress().getHostAddress());
        properties.put("quarkus.http.port", Integer.toString(httpPort));
        // a second replica on this machine must not collide on the management interface
        properties.put("quarkus.management.host", InetAddress.getLoopbackAddress().getHostAddress());
        properties.put(MANAGEMENT_PORT, Integer.toString(managementPort));
        properties.put(IDENTITY_PROPERTY, identity);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", settings.quarkusRunJar().toAbsolutePath().toString()));
        return command;
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(settings.readyTimeout());
        HttpRequest probe = HttpRequest.newBuilder(httpUrl().resolve("/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        String lastAnswer = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                int code = process.exitValue();
                process = null;
                throw new IllegalStateException("the operator exited with code " + code + " before it was ready; "
                        + "last lines of " + settings.logFile() + ":\n" + logTail());
            }
            try {
                HttpResponse<String> response = http.send(probe, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    LOG.infof("%s (process %d) is ready", settings.name(), process.pid());
                    return;
                }
                lastAnswer = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                lastAnswer = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IllegalStateException("interrupted while waiting for the operator to be ready", e);
            }
            sleep(PROBE_PERIOD);
        }
        stop();
        throw new IllegalStateException("the operator was not ready within " + settings.readyTimeout()
                + " (last /q/health/ready answer: " + lastAnswer + "); last lines of " + settings.logFile() + ":\n"
                + logTail());
    }

    /** The end of the log file, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(settings.logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + settings.logFile() + ": " + e + ")";
        }
    }

    /** Five characters, like the suffix of a Deployment's pod names. */
    private String suffix() {
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            suffix.append(SUFFIX_CHARACTERS.charAt(random.nextInt(SUFFIX_CHARACTERS.length())));
        }
        return suffix.toString();
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port for the operator's HTTP or management", e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
