package dev.nixpool.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

/**
 * One builder pod's process tree: the real entrypoint in its own mount namespace (its own /nix) and PID namespace.
 * <p>
 * The command is {@code setpriv --pdeathsig KILL unshare --pid --fork --kill-child --mount --propagation private sh -c
 * 'mount the volumes (the store over /nix first) && exec ENTRYPOINT'}. The PID namespace is what makes cleanup complete: when its first process
 * dies the kernel kills every other process in it, including sshd's per-connection children, which call setsid() and so
 * escape any process-group kill. {@code --kill-child} sends SIGKILL to that first process when unshare dies, and
 * {@code setpriv --pdeathsig KILL} kills unshare when its parent dies, so a JVM killed with SIGKILL takes the whole tree
 * with it. The private mount propagation keeps the bind mount out of the host's mount table; it vanishes with the
 * namespace.
 */
final class BuilderProcess {

    private static final Logger LOG = Logger.getLogger(BuilderProcess.class);
    private static final int OUTPUT_LINES_KEPT = 20;
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(2);
    private static final String UNSHARE_SIGKILL_FAILURE = "unshare: sigprocmask unblock failed";
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** What OpenSSH's sshd logs (at its default level INFO) when a login succeeds. */
    static final String SSHD_ACCEPTED = "Accepted publickey for ";

    private final String podName;
    private final Process process;
    private final Deque<String> lastOutput = new ArrayDeque<>();
    /** SSH logins sshd accepted: its "Accepted publickey for ..." log lines (sshd -e logs to the pod's stderr). */
    private final AtomicInteger sshLogins = new AtomicInteger();
    private Thread outputPump;

    private BuilderProcess(String podName, Process process) {
        this.podName = podName;
        this.process = process;
    }

    /**
     * One mount the pod's mount namespace gets before the entrypoint runs.
     *
     * @param kind {@code bind}, {@code robind} (read-only bind) or {@code tmpfs}
     * @param source the directory to bind, or the tmpfs options ({@code size=...,mode=...})
     */
    record Mount(String kind, String source, String target) {
        static Mount bind(Path source, String target, boolean readOnly) {
            return new Mount(readOnly ? "robind" : "bind", source.toString(), target);
        }

        static Mount tmpfs(String options, String target) {
            return new Mount("tmpfs", options, target);
        }
    }

    /** Runs in the new mount namespace: the mounts as (kind, source, target) triples up to "--", then the command. */
    private static final String MOUNT_AND_EXEC = """
            set -e
            while [ "$1" != -- ]; do
              case "$1" in
                bind) mount --bind "$2" "$3" ;;
                robind) mount --bind "$2" "$3"; mount -o remount,bind,ro "$3" ;;
                tmpfs) mount -t tmpfs -o "$2" tmpfs "$3" ;;
              esac
              shift 3
            done
            shift
            exec "$@"
            """;

    /**
     * @param spawner a thread that lives as long as the runtime: the kernel sends the parent-death signal when the
     *        <em>thread</em> that forked the child exits, not only when the JVM does
     * @param mounts applied in order in the pod's mount namespace; the first is normally the store at /nix
     * @param command the container's process: the entrypoint, possibly behind setpriv
     * @param niceness the CPU priority of the pod's processes, inherited by all of them (sshd, its logins, Nix)
     */
    static BuilderProcess start(ExecutorService spawner, String podName, List<Mount> mounts, List<String> command,
            Path workingDir, Map<String, String> env, int niceness) throws IOException {
        List<String> argv = new java.util.ArrayList<>(Niceness.prefix(niceness));
        argv.addAll(List.of("setpriv", "--pdeathsig", "KILL", "--", "unshare",
                "--pid", "--fork", "--kill-child", "--mount", "--propagation", "private", "--", "sh", "-c",
                MOUNT_AND_EXEC, "sh"));
        for (Mount mount : mounts) {
            argv.addAll(List.of(mount.kind(), mount.source(), mount.target()));
        }
        argv.add("--");
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv).directory(workingDir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        // a container sees its image's environment plus its own env, not the runtime's
        builder.environment().clear();
        builder.environment().put("PATH", PATH);
        builder.environment().put("HOME", "/root");
        builder.environment().put("HOSTNAME", podName.substring(podName.indexOf('/') + 1));
        builder.environment().putAll(env);
        try {
            Process process = spawner.submit(builder::start).get();
            process.getOutputStream().close();
            BuilderProcess started = new BuilderProcess(podName, process);
            started.pumpOutput();
            return started;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the builder of " + podName, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("cannot start the builder of " + podName, e.getCause());
        }
    }

    /**
     * The container's exit code: the namespace's first process's own code, or 128 + signal when a signal killed it.
     * unshare (util-linux 2.38) passes both on, except for SIGKILL: it tries to re-raise the child's signal on itself,
     * {@code signal(SIGKILL, SIG_DFL)} fails with EINVAL, and it exits 1 after printing
     * {@value #UNSHARE_SIGKILL_FAILURE}. Call after exit.
     */
    int exitCode() {
        int code = process.onExit().join().exitValue();
        if (code == 1 && lastOutputLine().startsWith(UNSHARE_SIGKILL_FAILURE)) {
            return 128 + 9;
        }
        return code;
    }

    long pid() {
        return process.pid();
    }

    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The processes of this pod now: unshare and everything below it. */
    List<ProcessHandle> processes() {
        ProcessHandle root = process.toHandle();
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(root), root.descendants())
                .filter(ProcessHandle::isAlive).toList();
    }

    /**
     * The last lines the builder printed (stdout and stderr), for the terminated state's message. Call after exit: it
     * first lets the reader drain what the dead processes left in the pipe.
     */
    String lastOutput() {
        drainOutput();
        synchronized (this) {
            return String.join("\n",
                    lastOutput.stream().filter(line -> !line.startsWith(UNSHARE_SIGKILL_FAILURE)).toList());
        }
    }

    private String lastOutputLine() {
        drainOutput();
        synchronized (this) {
            return lastOutput.isEmpty() ? "" : lastOutput.getLast();
        }
    }

    private void drainOutput() {
        try {
            outputPump.join(OUTPUT_DRAIN.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL to the first process of the PID namespace: a crash, every process of the pod dies at once. */
    void crash() {
        namespaceInit().ifPresentOrElse(ProcessHandle::destroyForcibly, process::destroyForcibly);
    }

    /**
     * SIGTERM to the namespace's first process (the entrypoint or the sshd it exec'd), SIGKILL to all after the grace
     * period, then waits until every process that belonged to the pod is gone. An interrupt (the runtime closing) ends
     * the grace period at once, but not the wait after SIGKILL: that is short, and the pod's files and address may only
     * be reclaimed once its processes are gone. The interrupt is kept for the caller.
     */
    void stop(Duration gracePeriod) {
        List<ProcessHandle> members = processes();
        Optional<ProcessHandle> init = namespaceInit();
        init.ifPresent(ProcessHandle::destroy);
        if (!awaitExit(process.onExit(), gracePeriod)) {
            process.destroyForcibly();
            init.ifPresent(ProcessHandle::destroyForcibly);
        }
        if (!awaitExitThroughInterrupts(process.onExit(), KILL_WAIT)) {
            throw new IllegalStateException(
                    "builder process " + process.pid() + " of " + podName + " survived SIGKILL for " + KILL_WAIT);
        }
        for (ProcessHandle member : members) {
            if (!awaitExitThroughInterrupts(member.onExit(), KILL_WAIT)) {
                throw new IllegalStateException("process " + member.pid() + " of " + podName
                        + " is still alive after its PID namespace was killed");
            }
        }
    }

    private Optional<ProcessHandle> namespaceInit() {
        return process.toHandle().children().findFirst();
    }

    private static boolean awaitExit(CompletableFuture<?> exit, Duration timeout) {
        try {
            exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /** Like {@link #awaitExit}, but an interrupt does not end the wait; it is set again when the wait is over. */
    private static boolean awaitExitThroughInterrupts(CompletableFuture<?> exit, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    return true;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    return false;
                } catch (ExecutionException e) {
                    return true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pumpOutput() {
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    LOG.debugf("[%s] %s", podName, line);
                    remember(line);
                }
            } catch (IOException e) {
                // only the log tail is lost; the exit code still reaches the pod status
                LOG.debugf(e, "output of the builder of %s ends early", podName);
            }
        }, "nixpool-runtime-output-" + podName);
        pump.setDaemon(true);
        pump.start();
        outputPump = pump;
    }

    /** SSH logins the pod's sshd accepted so far, as its log says: how many connections clients opened to it. */
    int sshLogins() {
        return sshLogins.get();
    }

    private synchronized void remember(String line) {
        if (line.contains(SSHD_ACCEPTED)) {
            sshLogins.incrementAndGet();
        }
        if (lastOutput.size() == OUTPUT_LINES_KEPT) {
            lastOutput.removeFirst();
        }
        lastOutput.addLast(line);
    }
}
