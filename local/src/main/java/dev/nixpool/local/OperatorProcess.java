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

/**
 * The operator as a process of its own: the packaged Quarkus application ({@code quarkus-run.jar}) with a kubeconfig,
 * the same code and configuration keys as in a cluster. Ready when its {@code /q/health/ready} answers 200. Its output
 * goes to a log file that restarts append to. Both its ports are on loopback: HTTP (health, the build log API) on a
 * free port, and the management interface (Prometheus metrics at {@code /q/metrics}) on
 * {@code quarkus.management.port} when the settings give one, else on a free port too.
 */
public final class OperatorProcess implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OperatorProcess.class);
    private static final Duration PROBE_PERIOD = Duration.ofMillis(200);
    private static final int LOG_TAIL_LINES = 40;
    private static final String MANAGEMENT_PORT = "quarkus.management.port";

    /**
     * @param quarkusRunJar {@code operator/target/quarkus-app/quarkus-run.jar}
     * @param kubeconfig what {@code KUBECONFIG} is set to
     * @param logFile stdout and stderr of every start, appended
     * @param properties system properties, i.e. operator settings such as {@code nixpool.builder.ssh-user}
     * @param jvmOptions extra JVM options, e.g. a heap limit
     */
    public record Settings(Path quarkusRunJar, Path kubeconfig, Path logFile, Map<String, String> properties,
            List<String> jvmOptions, Duration readyTimeout, Duration stopGracePeriod) {
        public Settings {
            Objects.requireNonNull(quarkusRunJar, "quarkusRunJar");
            Objects.requireNonNull(kubeconfig, "kubeconfig");
            Objects.requireNonNull(logFile, "logFile");
            properties = Map.copyOf(properties);
            jvmOptions = List.copyOf(jvmOptions);
            Objects.requireNonNull(readyTimeout, "readyTimeout");
            Objects.requireNonNull(stopGracePeriod, "stopGracePeriod");
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
    private Process process;

    public OperatorProcess(Settings settings) {
        this.settings = settings;
        this.httpPort = freeLoopbackPort();
        String management = settings.properties().get(MANAGEMENT_PORT);
        this.managementPort = management != null ? Integer.parseInt(management) : freeLoopbackPort();
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
        List<String> command = command();
        try {
            Files.createDirectories(settings.logFile().toAbsolutePath().getParent());
            Files.writeString(settings.logFile(), "=== operator start " + Instant.now() + " ===\n",
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
        LOG.infof("operator started as process %d, HTTP on %s, management on %s, log %s", process.pid(), httpUrl(),
                managementUrl(), settings.logFile());
        awaitReady();
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
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.addAll(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.jvmOptions());
        Map<String, String> properties = new TreeMap<>(settings.properties());
        properties.put("quarkus.http.host", InetAddress.getLoopbackAddress().getHostAddress());
        properties.put("quarkus.http.port", Integer.toString(httpPort));
        properties.put("quarkus.management.host", InetAddress.getLoopbackAddress().getHostAddress());
        properties.put(MANAGEMENT_PORT, Integer.toString(managementPort));
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
                    LOG.infof("operator process %d is ready", process.pid());
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
