package dev.nixpool.runner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.logs.BuildLog;
import dev.nixpool.logs.LogStore;
import dev.nixpool.logs.LogTail;
import dev.nixpool.nix.build.BuildResult;
import dev.nixpool.nix.build.BuiltOutput;
import dev.nixpool.nix.derivation.Derivation;
import dev.nixpool.nix.derivation.DerivationFormatException;
import dev.nixpool.nix.derivation.DerivationOutput;
import dev.nixpool.nix.serve.PathInfo;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderException;
import dev.nixpool.remote.BuilderSession;
import dev.nixpool.status.Reason;

/**
 * The work of one run, on a runner thread: take a session (a kept one when the builder has one), instantiate, check the
 * derivation, build, collect the outputs.
 */
final class BuildJob implements Runnable {

    private static final Logger LOG = Logger.getLogger(BuildJob.class);

    private final Run run;
    private final KeptSessions sessions;
    private final LogStore logs;

    BuildJob(Run run, KeptSessions sessions, LogStore logs) {
        this.run = run;
        this.sessions = sessions;
        this.logs = logs;
    }

    @Override
    public void run() {
        RunRequest request = run.request();
        try (BuildLog log = logs.open(request.namespace(), request.name(), request.key().uid(),
                request.key().attempt())) {
            run.finish(work(request, log));
        } catch (RuntimeException | Error e) {
            // an Error too: a run that dies without a result would leave its build Building for ever
            if (!run.cancelled()) {
                LOG.errorf(e, "the run of NixBuild %s/%s attempt %d failed unexpectedly", request.namespace(),
                        request.name(), request.key().attempt());
                run.finish(
                        new RunResult.Failed(Reason.INTERNAL_ERROR, "the operator failed while running the build: " + e,
                                false));
            }
        }
    }

    private RunResult work(RunRequest request, BuildLog log) {
        BuilderAddress address = request.address();
        LOG.debugf("run of NixBuild %s/%s attempt %d started on its runner thread", request.namespace(),
                request.name(), request.key().attempt());
        log.line("[nixpool] attempt " + request.key().attempt() + ": connecting to " + address.user() + "@"
                + address.host() + ":" + address.port());
        if (!request.nixSettings().isEmpty()) {
            log.line("[nixpool] with the build's substituters " + request.nixSettings().substituters()
                    + " and trusted public keys " + request.nixSettings().trustedPublicKeys());
        }
        try {
            KeptSessions.Lease lease = sessions.lease(address, request.credentials(), request.nixSettings(),
                    request.pool(),
                    request.reusableBuilder());
            try {
                LOG.debugf("NixBuild %s/%s has its session (kept connection: %s)", request.namespace(),
                        request.name(), lease.kept());
                if (lease.kept()) {
                    log.line("[nixpool] on the operator's kept connection to the builder (logged in before the build)");
                }
                if (!run.attach(lease.session())) {
                    return new RunResult.Failed(Reason.CANCELLED, "the run was cancelled", false);
                }
                run.connected("serve protocol " + (lease.session().serveVersion() >> 8) + "."
                        + (lease.session().serveVersion() & 0xff) + ", host key "
                        + lease.session().hostKeyFingerprint());
                String drvPath;
                try {
                    drvPath = lease.session().instantiate(request.source(), log);
                } catch (BuilderException e) {
                    if (!lease.kept() || !e.failure().retryable() || run.cancelled()) {
                        throw e;
                    }
                    // the kept connection went stale between builds (the builder cannot have started anything for
                    // this one yet): once more on a fresh connection instead of failing the attempt
                    log.line("[nixpool] the kept connection failed (" + e.getMessage() + "); connecting again");
                    run.detach(lease.session());
                    lease.discard();
                    lease = sessions.lease(address, request.credentials(), request.nixSettings(), request.pool(),
                            request.reusableBuilder());
                    if (!run.attach(lease.session())) {
                        return new RunResult.Failed(Reason.CANCELLED, "the run was cancelled", false);
                    }
                    drvPath = lease.session().instantiate(request.source(), log);
                }
                lease.evaluated();
                return build(request, drvPath, lease.session(), log);
            } finally {
                run.detach(lease.session());
                lease.close();
            }
        } catch (BuilderException e) {
            log.line("[nixpool] " + e.getMessage());
            return new RunResult.Failed(Reason.fromBuilderFailure(e.failure()), e.getMessage(),
                    e.failure().retryable());
        } catch (DerivationFormatException e) {
            return new RunResult.Failed(Reason.INVALID_DERIVATION, e.getMessage(), false);
        }
    }

    private RunResult build(RunRequest request, String drvPath, BuilderSession session, BuildLog log)
            throws BuilderException, DerivationFormatException {
        LOG.debugf("NixBuild %s/%s instantiated %s", request.namespace(), request.name(), drvPath);
        // told once the .drv is read: what the milestone sets off (a status write, its watch events, reconciles) would
        // compete for the CPU with the read, which is on the way to the build command; told on a failed read too
        Derivation derivation;
        try {
            derivation = session.readDerivation(drvPath);
        } finally {
            run.derivation(drvPath);
        }
        Optional<String> misfit = request.fit().problem(drvPath, derivation);
        if (misfit.isPresent()) {
            log.line("[nixpool] " + misfit.get());
            return new RunResult.Failed(Reason.DERIVATION_MISMATCH, misfit.get(), false);
        }
        log.line("[nixpool] building " + drvPath);
        LOG.debugf("NixBuild %s/%s sends its build request", request.namespace(), request.name());
        BuildResult result = session.build(drvPath, derivation, request.options(), log);
        log.line("[nixpool] Nix says: " + result.status().nixName()
                + (result.errorMsg().isEmpty() ? "" : ": " + LogTail.stripAnsi(result.errorMsg())));
        List<BuildOutput> outputs = result.success() ? outputs(session, derivation, result) : List.of();
        return new RunResult.Completed(result, outputs);
    }

    /** Output paths from the derivation (input-addressed, fixed) or, for floating outputs, from Nix's result. */
    private static List<BuildOutput> outputs(BuilderSession session, Derivation derivation, BuildResult result)
            throws BuilderException {
        Map<String, String> pathToName = new LinkedHashMap<>();
        for (Map.Entry<String, DerivationOutput> output : derivation.outputs().entrySet()) {
            String path = output.getValue().path();
            if (path.isEmpty()) {
                BuiltOutput built = result.builtOutputs().get(output.getKey());
                path = built != null ? built.outPath() : "";
            }
            if (!path.isEmpty()) {
                pathToName.put(path, output.getKey());
            }
        }
        Map<String, PathInfo> infos = new LinkedHashMap<>();
        for (PathInfo info : session.queryPathInfos(pathToName.keySet())) {
            infos.put(info.path().toString(), info);
        }
        List<BuildOutput> outputs = new ArrayList<>();
        pathToName.forEach((path, name) -> {
            PathInfo info = infos.get(path);
            if (info != null) {
                outputs.add(new BuildOutput(name, path, info.narHash().toPrefixedNix32(), info.narSize()));
            }
        });
        return outputs;
    }
}
