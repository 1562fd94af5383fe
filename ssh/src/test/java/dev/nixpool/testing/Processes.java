package dev.nixpool.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.nixpool.nix.testing.ProcessResult;

/**
 * Runs a real process to completion for tests, with a time limit, working directory and environment, and its output
 * captured in files (no pipe can fill and block).
 */
public final class Processes {

    private Processes() {
    }

    public static ProcessResult run(List<String> command, Duration limit) {
        return run(command, null, Map.of(), limit);
    }

    /**
     * @param workDir the process's current directory, or null for ours
     * @param env variables added to (or replacing those of) our environment
     * @throws AssertionError if it is still running after {@code limit} (it is killed with its children first)
     */
    public static ProcessResult run(List<String> command, Path workDir, Map<String, String> env, Duration limit) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("nixpool-proc-", ".out");
            err = Files.createTempFile("nixpool-proc-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process.toHandle());
                throw new AssertionError("still running after " + limit + ": " + command + "\n--- stdout ---\n"
                        + Files.readString(out) + "--- stderr ---\n" + Files.readString(err));
            }
            return new ProcessResult(process.exitValue(), Files.readAllBytes(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            delete(out);
            delete(err);
        }
    }

    /** Exit code and both outputs, for assertion messages. */
    public static String describe(ProcessResult r) {
        return "exit code " + r.exitCode() + "\n--- stdout ---\n" + r.stdoutText() + "--- stderr ---\n" + r.stderr();
    }

    /** Kills a process and all its descendants, and waits for them. */
    public static void killTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(0, root);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> p).join();
        }
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + p, e);
            }
        }
    }
}
