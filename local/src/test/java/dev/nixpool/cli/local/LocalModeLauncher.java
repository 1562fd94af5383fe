package dev.nixpool.cli.local;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nixpool.testing.Processes;

/**
 * {@code ./nixpool local} started as a user starts it: the repository's launcher script as a process of its own. Its
 * stdout is read line by line (local mode prints one line there), its stderr goes to a file for failure messages.
 */
final class LocalModeLauncher implements AutoCloseable {

    static final String EXPORT = "export KUBECONFIG=";

    private final Process process;
    private final Path stderr;
    private final List<String> stdoutLines = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> exportLine = new CompletableFuture<>();
    private final Thread reader;

    private LocalModeLauncher(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(this::readStdout, "local-mode-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static LocalModeLauncher start(Path repoRoot, Path stderr) throws IOException {
        Files.createDirectories(stderr.getParent());
        ProcessBuilder builder = new ProcessBuilder(repoRoot.resolve("nixpool").toString(), "local")
                .directory(repoRoot.toFile()).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().remove("KUBECONFIG");
        return new LocalModeLauncher(builder.start(), stderr);
    }

    /** The kubeconfig of the {@code export KUBECONFIG=} line, once local mode is ready. */
    Path awaitKubeconfig(Duration limit) throws InterruptedException {
        try {
            return Path.of(exportLine.get(limit.toMillis(), TimeUnit.MILLISECONDS).substring(EXPORT.length()));
        } catch (TimeoutException e) {
            throw new AssertionError("no '" + EXPORT + "' line within " + limit + "; stderr:\n" + stderrText());
        } catch (ExecutionException e) {
            throw new AssertionError("local mode ended before it was ready (exit code "
                    + (process.isAlive() ? "-" : process.exitValue()) + "); stderr:\n" + stderrText());
        }
    }

    Process process() {
        return process;
    }

    /** What it printed on stdout; complete once the process has ended. */
    List<String> stdoutLines() throws InterruptedException {
        if (!process.isAlive()) {
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
        return List.copyOf(stdoutLines);
    }

    String stderrText() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stderr, e);
        }
    }

    /** SIGTERM, as {@code kill PID} does; returns the exit code, or fails when it is still running after limit. */
    int terminate(Duration limit) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running " + limit + " after SIGTERM; stderr:\n" + stderrText());
        }
        return process.exitValue();
    }

    /** After a failed test: whatever is still running of it is stopped, gently first. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                Processes.killTree(process.toHandle());
            }
        }
    }

    private void readStdout() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                stdoutLines.add(line);
                if (line.startsWith(EXPORT)) {
                    exportLine.complete(line);
                }
            }
        } catch (IOException e) {
            exportLine.completeExceptionally(e);
        }
        exportLine.completeExceptionally(new IllegalStateException("stdout closed"));
    }
}
