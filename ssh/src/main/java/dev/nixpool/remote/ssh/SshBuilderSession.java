package dev.nixpool.remote.ssh;

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
import java.util.SortedSet;
import java.util.concurrent.atomic.AtomicReference;

import dev.nixpool.nix.build.BuildOptions;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuildStatus;
import dev.nixpool.nix.derivation.ATermParser;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationFormatException;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.BuildPathsOutcome;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.nix.serve.ServeClient;
import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.nix.store.InvalidStorePathException;
import dev.nixpool.nix.store.StorePath;
import dev.nixpool.nix.store.ValidPathInfo;
import dev.nixpool.nix.wire.NixWireException;
import dev.nixpool.nix.wire.ReplyLimitExceededException;
import dev.nixpool.nix.wire.WireTruncatedException;
import dev.nixpool.remote.BuildSource;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderFailure;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.remote.LogSink;
import dev.nixpool.remote.NixSettings;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.ServeChannel;
import dev.nixpool.ssh.ServeStartException;
import dev.nixpool.ssh.ServeStartFailure;
import dev.nixpool.ssh.SshSession;
import dev.nixpool.ssh.SshTransportException;
import dev.nixpool.ssh.Watchdog;

/**
 * A builder reached over SSH: one {@code nix-store --serve --write} channel for the serve protocol, plus a short-lived
 * exec channel per evaluation. See docs/builder-session.md for the order of commands and why.
 * <p>
 * One thread at a time may call its methods (the serve protocol is one request at a time), except {@link #prepare()},
 * which only starts an evaluator on a channel of its own and may run beside them once the evaluation is done;
 * {@link #close()} may be called from any other thread to cancel: it closes the channels, which ends a blocked call with a
 * {@link BuilderException} and makes the remote {@code nix-store} stop its build (it watches its stdin for a hang-up
 * while building).
 * <p>
 * Every request except a build is bounded by {@link BuilderTimeouts}: when its answer does not come in time the watchdog
 * closes the serve channel and the call fails with {@link BuilderFailure#PROTOCOL_ERROR}. A request that fails in any
 * way leaves the serve stream out of step, so the serve channel is closed then and later calls fail at once: open a new
 * session.
 */
public final class SshBuilderSession implements BuilderSession {

    /** A .drv is one small text file; real ones stay far below this even with big inline env values. */
    static final int MAX_DRV_NAR = 16 * 1024 * 1024;
    /** Nix's build-remote exit code for a build that hit a time limit (src/libstore/build/worker.cc). */
    static final long EXIT_TIMED_OUT = 101;

    private final SshSession ssh;
    /** False for a session on a kept {@link SshBuilderConnection}: closing the session leaves the connection open. */
    private final boolean ownsSsh;
    private final Watchdog watchdog;
    private final BuilderTimeouts timeouts;
    private final BuilderLimits limits;
    /**
     * Where the serve channel's stderr goes: the sink of the latest call, kept after it returns. sshd forwards the serve
     * process's stdout and stderr from two pipes, so the last log lines of a build may arrive after its result; they
     * still reach that build's sink (until the next call sets its own).
     */
    private final AtomicReference<LogSink> serveLog = new AtomicReference<>();
    private final RemoteCommands commands;
    private final NixCommands nix;
    /** Only with settings of the build's own: without, the session does exactly what it did before they existed. */
    private final boolean substituteAhead;
    private volatile ServeChannel serve;
    private volatile boolean closed;
    /** An evaluator started by {@link #prepare()}, waiting for the next expression on its stdin. */
    private final AtomicReference<RemoteCommands.Started> readyEvaluator = new AtomicReference<>();
    /**
     * The .drv this session's evaluator printed last: valid on the builder, as nix-instantiate has just written it; with
     * its contents when the evaluator printed them too.
     */
    private volatile Evaluated evaluated;

    private record Evaluated(StorePath drv, Derivation derivation) {
    }

    private SshBuilderSession(SshSession ssh, boolean ownsSsh, Watchdog watchdog, BuilderTimeouts timeouts,
            NixSettings settings, BuilderLimits limits) {
        this.ssh = ssh;
        this.ownsSsh = ownsSsh;
        this.watchdog = watchdog;
        this.timeouts = timeouts;
        this.limits = limits;
        this.commands = new RemoteCommands(ssh, watchdog);
        this.nix = new NixCommands(settings);
        this.substituteAhead = !settings.isEmpty();
    }

    /**
     * Starts the serve channel on a logged-in session, with the build's Nix settings, and greets it; the caller closes
     * {@code ssh} on failure. With {@code ownsSsh} closing the session closes {@code ssh} too.
     */
    static SshBuilderSession start(SshSession ssh, boolean ownsSsh, Watchdog watchdog, BuilderTimeouts timeouts,
            NixSettings settings, BuilderLimits limits) throws SshTransportException, ServeStartException {
        SshBuilderSession session = new SshBuilderSession(ssh, ownsSsh, watchdog, timeouts, settings, limits);
        session.startServe();
        return session;
    }

    /**
     * As {@link #start} on a kept connection's {@code ssh}, with the evaluator started before the serve channel (see
     * {@link #prepare()}); it is closed again if the serve channel cannot be started.
     */
    static SshBuilderSession startPrepared(SshSession ssh, Watchdog watchdog, BuilderTimeouts timeouts,
            NixSettings settings, BuilderLimits limits) throws SshTransportException, ServeStartException {
        SshBuilderSession session = new SshBuilderSession(ssh, false, watchdog, timeouts, settings, limits);
        session.prepare();
        try {
            session.startServe();
        } catch (SshTransportException | ServeStartException | RuntimeException e) {
            session.close();
            throw e;
        }
        return session;
    }

    private void startServe() throws SshTransportException, ServeStartException {
        serve = ServeChannel.start(ssh, nix.serve(), line -> RemoteCommands.deliver(serveLog.get(), line),
                timeouts.handshake(), watchdog, limits.replies());
    }

    @Override
    public int serveVersion() {
        return serve.version();
    }

    @Override
    public String hostKeyFingerprint() {
        return HostKeys.fingerprint(ssh.hostKey());
    }

    // ---- instantiate ----------------------------------------------------------------------------------------------

    /**
     * Its log counts against the same maxLogBytesPerBuild as the build's: lines past it are dropped (the evaluation
     * still ends within its time limit) and a derivation evaluated that way is refused.
     */
    @Override
    public String instantiate(BuildSource source, LogSink log) throws BuilderException {
        LogBudget budget = new LogBudget(log, limits.maxLogBytesPerBuild(), () -> {
        });
        String drv = instantiateFrom(source, budget);
        if (budget.exceeded()) {
            throw new BuilderException(BuilderFailure.LIMIT_EXCEEDED, "evaluating on " + ssh.target()
                    + " logged more than " + budget.limit() + " bytes (the operator's maxLogBytesPerBuild)");
        }
        return drv;
    }

    private String instantiateFrom(BuildSource source, LogSink log) throws BuilderException {
        if (source instanceof BuildSource.Expression e) {
            return evaluate("the expression", NixCommands.EVALUATOR, nix.expression(),
                    e.text().getBytes(StandardCharsets.UTF_8), log);
        }
        if (source instanceof BuildSource.Flake f) {
            String installable = checkInstallable(f.installable());
            return evaluate("the flake '" + installable + "'", "nix", nix.flake(installable), new byte[0], log);
        }
        if (source instanceof BuildSource.DerivationPath d) {
            return substitute(d.drvPath(), log);
        }
        throw new IllegalArgumentException("unknown build source " + source);
    }

    /**
     * Starts the evaluator of the next expression now, so that it waits on its stdin with Nix started and its store
     * open: a build that comes later pays only the evaluation itself. Best effort: if it cannot be started, or is gone
     * by then, the expression gets an evaluator of its own as without this.
     */
    @Override
    public void prepare() {
        if (closed || readyEvaluator.get() != null) {
            return;
        }
        RemoteCommands.Started started;
        try {
            started = commands.start("starting an evaluator", nix.expression());
        } catch (BuilderException e) {
            return;
        }
        if (!readyEvaluator.compareAndSet(null, started) || closed) {
            started.close();
        }
    }

    /**
     * Runs an evaluator ({@code program}) with {@code input} on its stdin (never on its command line) and returns the
     * .drv it printed.
     */
    private String evaluate(String what, String program, String command, byte[] input, LogSink log)
            throws BuilderException {
        RemoteCommands.Started ready = readyEvaluator.getAndSet(null);
        if (ready != null && (!ready.isOpen() || !ready.command().equals(command))) {
            ready.close();
            ready = null;
        }
        RemoteCommands.Started evaluator = ready != null ? ready : commands.start("evaluating " + what, command);
        RemoteCommands.Result r = commands.complete("evaluating " + what, evaluator, input, log,
                timeouts.evaluation());
        if (r.status() == 127) {
            throw new BuilderException(BuilderFailure.NIX_NOT_FOUND, "'" + program + "' was not found on "
                    + ssh.target() + " (exit status 127)" + ServeStartFailure.quote(r.stderr()));
        }
        if (r.status() != 0) {
            throw new BuilderException(BuilderFailure.EVALUATION_FAILED, "evaluating " + what + " on " + ssh.target()
                    + " failed (exit status " + r.status() + "):\n" + BuilderFailures.evaluatorError(r.stderr()));
        }
        EvaluatorOutput output = EvaluatorOutput.parse(r.stdout());
        String out = output.printed();
        String[] lines = out.split("\n");
        if (out.isEmpty() || lines.length != 1) {
            throw new BuilderException(BuilderFailure.EVALUATION_FAILED, "expected evaluating " + what
                    + " to give one derivation, got "
                    + (out.isEmpty() ? "none" : lines.length + ": " + out.replace('\n', ' ')));
        }
        try {
            StorePath drv = StorePath.parse(lines[0].strip());
            if (drv.isDerivation()) {
                evaluated = new Evaluated(drv, parsedOrNull(output.drvText()));
                return drv.toString();
            }
        } catch (InvalidStorePathException e) {
            // reported below with what came
        }
        throw new BuilderException(BuilderFailure.PROTOCOL_ERROR, "expected '" + command + "' on " + ssh.target()
                + " to print a .drv store path, got '" + lines[0] + "'");
    }

    /** The .drv's text the evaluator printed, parsed; null (read over serve instead) when it is not one. */
    private static Derivation parsedOrNull(byte[] drvText) {
        if (drvText == null) {
            return null;
        }
        try {
            return ATermParser.parse(drvText);
        } catch (DerivationFormatException e) {
            // read from the store as without the text; a .drv that is really not one fails that read with the reason
            return null;
        }
    }

    /**
     * Makes a derivation path valid on the builder, fetching it (and its closure) from the builder's substituters.
     * Serve's QueryValidPaths with substitute=true does not do it: Nix's {@code Store::substitutePaths} skips .drv
     * paths. {@code builtins.storePath} in a read-write evaluation calls {@code ensurePath}, which substitutes any path;
     * the path is checked to be a store path first, so it is safe inside the Nix string.
     */
    private String substitute(String drvPath, LogSink log) throws BuilderException {
        StorePath drv = parseDrv(drvPath, BuilderFailure.DERIVATION_UNAVAILABLE);
        if (isValid(drv)) {
            return drv.toString();
        }
        String ensure = "builtins.seq (builtins.storePath \"" + drv + "\") true";
        RemoteCommands.Result r = commands.run("substituting " + drv, nix.ensure(),
                ensure.getBytes(StandardCharsets.UTF_8), log,
                timeouts.evaluation());
        if (r.status() == 0 && isValid(drv)) {
            return drv.toString();
        }
        throw new BuilderException(BuilderFailure.DERIVATION_UNAVAILABLE, drv + " is not in the store of "
                + ssh.target() + " and its substituters do not have it: set spec.substituters to a binary cache "
                + "that holds the derivation (or build from an expression or flake instead)"
                + (r.stderr().isEmpty() ? "" : ". Nix said:\n" + BuilderFailures.evaluatorError(r.stderr())));
    }

    private boolean isValid(StorePath path) throws BuilderException {
        return request("checking " + path, timeouts.operation(), c -> c.queryValidPaths(false, false, List.of(path)))
                .contains(path);
    }

    // ---- readDerivation -------------------------------------------------------------------------------------------

    @Override
    public Derivation readDerivation(String drvPath) throws BuilderException {
        StorePath drv = parseDrv(drvPath, BuilderFailure.DERIVATION_UNAVAILABLE);
        return readDerivation(drv);
    }

    private Derivation readDerivation(StorePath drv) throws BuilderException {
        // the validity check is a round trip on every build's way to its build command; a .drv the evaluator of this
        // session has just written is valid (and if it were not, the dump below fails the read all the same), and when
        // the evaluator printed its text the dump is not needed either
        Evaluated last = evaluated;
        boolean justEvaluated = last != null && drv.equals(last.drv());
        if (justEvaluated && last.derivation() != null) {
            return last.derivation();
        }
        if (!justEvaluated && !isValid(drv)) {
            throw new BuilderException(BuilderFailure.DERIVATION_UNAVAILABLE,
                    drv + " is not valid in the store of " + ssh.target());
        }
        byte[] nar = request("reading " + drv, timeouts.operation(), c -> {
            BoundedBuffer buffer = new BoundedBuffer(MAX_DRV_NAR, "the NAR of " + drv);
            c.dumpStorePath(drv, buffer);
            return buffer.toByteArray();
        });
        try {
            return DrvFromNar.parse(nar, drv.toString());
        } catch (IOException e) {
            throw new BuilderException(BuilderFailure.PROTOCOL_ERROR,
                    "cannot read " + drv + " from " + ssh.target() + ": " + e.getMessage(), e);
        }
    }

    // ---- build ----------------------------------------------------------------------------------------------------

    @Override
    public BuildResult build(String drvPath, Derivation derivation, BuildOptions requested, LogSink log)
            throws BuilderException {
        StorePath drv = parseDrv(drvPath, BuilderFailure.DERIVATION_UNAVAILABLE);
        long maxLog = limits.maxLogBytesPerBuild();
        BuildOptions options = requested.maxLogSize() == 0 || requested.maxLogSize() > maxLog
                ? requested.withMaxLogSize(maxLog)
                : requested;
        LogBudget budget = new LogBudget(log, maxLog, () -> {
            ServeChannel s = serve;
            if (s != null) {
                s.close();
            }
        });
        try {
            return build(drv, derivation, options, budget);
        } catch (BuilderException e) {
            if (budget.exceeded()) {
                throw new BuilderException(BuilderFailure.LIMIT_EXCEEDED, "the build of " + drv + " on "
                        + ssh.target() + " logged more than " + maxLog
                        + " bytes (the operator's maxLogBytesPerBuild); it was stopped", e);
            }
            throw e;
        }
    }

    private BuildResult build(StorePath drv, Derivation derivation, BuildOptions options, LogSink log)
            throws BuilderException {
        return withLog(log, () -> {
            if (substituteAhead) {
                substitute(drv, derivation);
            }
            Set<String> inputs = new LinkedHashSet<>(derivation.inputSrcs());
            if (!derivation.inputDrvs().isEmpty()) {
                List<String> targets = new ArrayList<>();
                derivation.inputDrvs()
                        .forEach((input, outputs) -> targets.add(input + "!" + String.join(",", outputs)));
                BuildPathsOutcome built = request("building the inputs of " + drv, null,
                        c -> c.buildPaths(targets, options));
                if (!built.success()) {
                    BuildStatus status = built.exitStatus() == EXIT_TIMED_OUT
                            ? BuildStatus.TIMED_OUT
                            : BuildStatus.DEPENDENCY_FAILED;
                    return new BuildResult(status, built.errorMsg(), 0, false, 0, 0, Map.of());
                }
                for (Map.Entry<String, SortedSet<String>> input : derivation.inputDrvs().entrySet()) {
                    inputs.addAll(outputPaths(parseDrv(input.getKey(), BuilderFailure.PROTOCOL_ERROR),
                            input.getValue()));
                }
            }
            List<String> closure = inputClosure(drv, inputs);
            return request("building " + drv, null,
                    c -> c.buildDerivation(drv, derivation.basic(closure), options));
        });
    }

    /**
     * Has the builder substitute what it can of the derivation's outputs and its inputs' outputs, from the build's
     * substituters, before building. {@code nix-store --serve} turns substitution off for its BuildPaths and
     * BuildDerivation (Nix's build-remote asks this way too, with builders-use-substitutes); QueryValidPaths with
     * substitute=1 substitutes whatever of the paths' closures a substituter has, with its signature checked, and leaves
     * the rest to be built. Outputs whose path is only known once built (floating content-addressed) cannot be asked
     * for.
     */
    private void substitute(StorePath drv, Derivation derivation) throws BuilderException {
        List<StorePath> wanted = new ArrayList<>();
        for (Map.Entry<String, SortedSet<String>> input : derivation.inputDrvs().entrySet()) {
            Derivation inputDrv = readDerivation(parseDrv(input.getKey(), BuilderFailure.PROTOCOL_ERROR));
            for (String name : input.getValue()) {
                knownPath(inputDrv.outputs().get(name), wanted);
            }
        }
        derivation.outputs().values().forEach(output -> knownPath(output, wanted));
        if (!wanted.isEmpty()) {
            request("substituting the inputs and outputs of " + drv, null,
                    c -> c.queryValidPaths(false, true, wanted));
        }
    }

    private static void knownPath(DerivationOutput output, List<StorePath> paths) {
        if (output != null && !output.path().isEmpty()) {
            paths.add(parsePath(output.path(), "output path"));
        }
    }

    private List<String> outputPaths(StorePath inputDrv, Collection<String> outputNames) throws BuilderException {
        Derivation input = readDerivation(inputDrv);
        List<String> paths = new ArrayList<>();
        for (String name : outputNames) {
            DerivationOutput out = input.outputs().get(name);
            if (out == null || out.path().isEmpty()) {
                throw new BuilderException(BuilderFailure.PROTOCOL_ERROR, "expected " + inputDrv
                        + " to have an output '" + name + "' with a known path, got outputs "
                        + input.outputs().keySet());
            }
            paths.add(out.path());
        }
        return paths;
    }

    /** What build-remote puts in inputSrcs: the closure of the inputs, all already in the builder's store. */
    private List<String> inputClosure(StorePath drv, Set<String> inputs) throws BuilderException {
        if (inputs.isEmpty()) {
            return List.of();
        }
        List<StorePath> paths = new ArrayList<>();
        for (String input : inputs) {
            paths.add(parsePath(input, "input of " + drv));
        }
        Set<StorePath> closure = request("querying the input closure of " + drv, timeouts.operation(),
                c -> c.queryClosure(false, paths));
        return closure.stream().map(StorePath::toString).toList();
    }

    // ---- queryPathInfos -------------------------------------------------------------------------------------------

    @Override
    public List<PathInfo> queryPathInfos(Collection<String> paths) throws BuilderException {
        List<StorePath> parsed = new ArrayList<>();
        for (String p : paths) {
            parsed.add(parsePath(p, "path to query"));
        }
        return request("querying path infos", timeouts.operation(), c -> c.queryPathInfos(parsed));
    }

    @Override
    public Set<String> queryClosure(Collection<String> paths) throws BuilderException {
        List<StorePath> parsed = new ArrayList<>();
        for (String p : paths) {
            parsed.add(parsePath(p, "path to query"));
        }
        Set<StorePath> closure = request("querying the closure of " + paths, timeouts.operation(),
                c -> c.queryClosure(false, parsed));
        Set<String> out = new LinkedHashSet<>();
        closure.forEach(p -> out.add(p.toString()));
        return out;
    }

    @Override
    public void dumpPath(String path, OutputStream nar) throws BuilderException {
        StorePath parsed = parsePath(path, "path to dump");
        request("reading the NAR of " + parsed, null, c -> c.dumpStorePath(parsed, nar));
    }

    @Override
    public Set<String> queryValidPaths(Collection<String> paths) throws BuilderException {
        List<StorePath> parsed = new ArrayList<>();
        for (String p : paths) {
            parsed.add(parsePath(p, "path to query"));
        }
        Set<StorePath> valid = request("querying valid paths", timeouts.operation(),
                c -> c.queryValidPaths(false, false, parsed));
        Set<String> out = new LinkedHashSet<>();
        valid.forEach(p -> out.add(p.toString()));
        return out;
    }

    @Override
    public void addToStore(ValidPathInfo info, InputStream nar) throws BuilderException {
        request("adding " + info.path(), null, c -> {
            c.addToStoreNar(info, nar);
            return null;
        });
    }

    // ---- close ----------------------------------------------------------------------------------------------------

    /** A failed request closes the serve channel (the stream is out of step), so an open one is in step. */
    @Override
    public boolean reusable() {
        ServeChannel s = serve;
        return !closed && s != null && s.isOpen() && ssh.isOpen();
    }

    /**
     * Ends every channel of the session, and the SSH connection if the session owns it; the remote nix-store sees its
     * stdin hang up and stops its build.
     */
    @Override
    public void close() {
        closed = true;
        RemoteCommands.Started ready = readyEvaluator.getAndSet(null);
        if (ready != null) {
            ready.close();
        }
        commands.close();
        ServeChannel s = serve;
        if (s != null) {
            s.close();
        }
        if (ownsSsh) {
            ssh.close();
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Request<T> {
        T run(ServeClient client) throws IOException;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws BuilderException;
    }

    private <T> T withLog(LogSink log, Call<T> call) throws BuilderException {
        serveLog.set(log);
        return call.run();
    }

    /**
     * One serve request, bounded by {@code limit} (null: unbounded, for builds). Any failure closes the serve channel:
     * after a partial answer the stream is out of step.
     */
    private <T> T request(String what, Duration limit, Request<T> request) throws BuilderException {
        ServeChannel s = serve;
        if (closed || !s.isOpen()) {
            throw new BuilderException(BuilderFailure.PROTOCOL_ERROR, "cannot start " + what + ": the session with "
                    + ssh.target() + " was closed" + (closed ? "" : " after an earlier failure; open a new one"));
        }
        s.stderr().clear();
        try (Watchdog.Guard guard = limit == null ? null : watchdog.arm(limit, s::close)) {
            try {
                return request.run(s.client());
            } catch (IOException | RuntimeException e) {
                s.close();
                throw failure(what, guard, e, s);
            }
        }
    }

    private BuilderException failure(String what, Watchdog.Guard guard, Exception e, ServeChannel s) {
        String target = ssh.target().toString();
        if (closed) {
            return new BuilderException(BuilderFailure.PROTOCOL_ERROR,
                    "the session with " + target + " was closed during " + what, e);
        }
        if (guard != null && guard.fired()) {
            return new BuilderException(BuilderFailure.PROTOCOL_ERROR, target + " did not answer " + what + " within "
                    + BuilderFailures.seconds(guard.limit()) + "; the session was closed"
                    + quoteIfAny(s.stderr().lines()), e);
        }
        if (!ssh.isOpen()) {
            return new BuilderException(BuilderFailure.UNREACHABLE, "connection to the builder was lost during "
                    + what + ": " + ssh.lossReason(), e);
        }
        if (e instanceof ReplyLimitExceededException r) {
            return new BuilderException(BuilderFailure.LIMIT_EXCEEDED, target + " answered " + what
                    + " with more than the operator allows (" + r.limit() + "): " + r.getMessage()
                    + "; the session was closed", e);
        }
        if (e instanceof WireTruncatedException) {
            Integer status = s.process().exitStatus();
            return new BuilderException(BuilderFailure.PROTOCOL_ERROR, "'" + ServeProtocol.REMOTE_COMMAND + "' on "
                    + target + " ended during " + what + (status == null ? "" : " (exit status " + status + ")")
                    + ServeStartFailure.quote(s.stderr().lines()), e);
        }
        if (e instanceof NixWireException) {
            return new BuilderException(BuilderFailure.PROTOCOL_ERROR, target + " answered " + what
                    + " with bytes the serve protocol does not allow: " + e.getMessage(), e);
        }
        return new BuilderException(BuilderFailure.PROTOCOL_ERROR,
                what + " on " + target + " failed: " + e.getMessage(), e);
    }

    private static StorePath parseDrv(String drvPath, BuilderFailure failure) throws BuilderException {
        try {
            StorePath p = StorePath.parse(drvPath);
            if (p.isDerivation()) {
                return p;
            }
        } catch (InvalidStorePathException e) {
            throw new BuilderException(failure,
                    "expected a derivation path /nix/store/<hash>-<name>.drv, got '" + drvPath + "': " + e.getMessage(),
                    e);
        }
        throw new BuilderException(failure,
                "expected a derivation path /nix/store/<hash>-<name>.drv, got '" + drvPath + "'");
    }

    private static StorePath parsePath(String path, String what) {
        try {
            return StorePath.parse(path);
        } catch (InvalidStorePathException e) {
            throw new IllegalArgumentException("expected a store path as " + what + ", got '" + path + "': "
                    + e.getMessage(), e);
        }
    }

    static String checkInstallable(String installable) throws BuilderException {
        if (installable == null || installable.isBlank() || installable.startsWith("-")
                || installable.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new BuilderException(BuilderFailure.EVALUATION_FAILED,
                    "expected a flake installable such as 'github:owner/repo#package' (no leading '-', no control "
                            + "characters), got '" + installable + "'");
        }
        return installable;
    }

    private static String quoteIfAny(List<String> stderr) {
        return stderr.isEmpty() ? "" : ServeStartFailure.quote(stderr);
    }
}
