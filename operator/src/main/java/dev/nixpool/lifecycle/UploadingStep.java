package dev.nixpool.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fabric8.kubernetes.api.model.Pod;

import dev.nixpool.api.v1alpha1.BuildOutput;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.cache.CacheDestination;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.remote.BuilderAddress;
import dev.nixpool.remote.BuilderCredentials;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.runner.RunKey;
import dev.nixpool.runner.UploadProgress;
import dev.nixpool.runner.UploadRequest;
import dev.nixpool.runner.UploadResult;

/**
 * Uploading: Nix built the outputs on the builder, and the operator copies them (with their closure) to the build's
 * copyTo destination, signing them with a key only it reads. The upload runs on a runner thread and tells the build of
 * its progress; this step dispatches it, reports retries and ends the build. The builder is kept until then: a vanished
 * builder is lost like one in Building (the outputs were only in its store), and after an operator restart the upload
 * is dispatched again (it sends only what the destination lacks).
 */
@ApplicationScoped
public class UploadingStep implements LifecycleStep {

    private final BuilderAttempt attempt;
    private final BuilderProvisioner provisioner;
    private final BuildRunner runner;
    private final CopyDestinations destinations;
    private final BuildFinisher finisher;
    private final String sshUser;
    private final int sshPort;
    private final int attempts;
    private final Duration progressRequeue;

    @Inject
    public UploadingStep(BuilderAttempt attempt, BuilderProvisioner provisioner, BuildRunner runner,
            CopyDestinations destinations, BuildFinisher finisher, NixpoolConfig config) {
        this.attempt = attempt;
        this.provisioner = provisioner;
        this.runner = runner;
        this.destinations = destinations;
        this.finisher = finisher;
        this.sshUser = config.builder().sshUser();
        this.sshPort = config.builder().sshPort();
        this.attempts = config.upload().attempts();
        this.progressRequeue = config.runner().progressRequeue();
    }

    @Override
    public NixBuildPhase phase() {
        return NixBuildPhase.Uploading;
    }

    @Override
    public StepOutcome run(StepContext context) {
        String podName = context.status().getBuilder();
        Optional<Pod> pod = attempt.pod(context);
        Optional<String> gone = BuilderPodState.lost(pod, podName);
        if (gone.isPresent()) {
            return attempt.lost(context, gone.get() + " before the build's outputs were copied");
        }
        RunKey key = RunDispatcher.key(context);
        Optional<UploadProgress> progress = runner.uploadProgress(key);
        if (progress.isEmpty()) {
            return dispatch(context, pod.get(), key);
        }
        Optional<UploadResult> result = progress.get().result();
        if (result.isEmpty()) {
            if (progress.get().lastError() != null) {
                Transitions.uploadRetrying(context, "attempt " + (progress.get().attempt() - 1) + " of " + attempts
                        + " failed: " + progress.get().lastError() + "; trying again");
            }
            return StepOutcome.requeue(progressRequeue);
        }
        if (result.get() instanceof UploadResult.Failed failed) {
            Transitions.uploadFailed(context, failedMessage(context, failed), finisher.tail(context));
            return StepOutcome.next();
        }
        return uploaded(context, (UploadResult.Done) result.get());
    }

    private StepOutcome dispatch(StepContext context, Pod pod, RunKey key) {
        Optional<CopyTo> copyTo = CopyDestinations.copyTo(context);
        if (copyTo.isEmpty()) {
            // the pool's copyTo was removed (or the pool deleted) after the build: nothing asks for a copy any more
            Transitions.uploadFailed(context, "the copyTo destination of this build is gone (its BuildMachine's"
                    + " copyTo was removed or the BuildMachine deleted) before its outputs were copied",
                    finisher.tail(context));
            return StepOutcome.next();
        }
        CopyDestinations.Resolved resolved = destinations.resolve(context.namespace(), copyTo.get());
        if (resolved instanceof CopyDestinations.Resolved.Unusable unusable) {
            Transitions.uploadFailed(context, "cannot copy to " + copyTo.get().getUri() + ": " + unusable.message(),
                    finisher.tail(context));
            return StepOutcome.next();
        }
        CacheDestination destination = ((CopyDestinations.Resolved.Ready) resolved).destination();
        if (!BuilderPodState.isReady(pod) || pod.getStatus().getPodIP() == null) {
            return attempt.lost(context, "builder pod " + pod.getMetadata().getName()
                    + " is no longer Ready and its outputs were not copied yet");
        }
        String podName = pod.getMetadata().getName();
        Optional<BuilderCredentials> credentials = provisioner.credentials(context.namespace(), podName);
        if (credentials.isEmpty()) {
            return attempt.lost(context, "the key Secret of builder pod " + podName + " is missing or incomplete");
        }
        List<String> outputs = context.status().getOutputs().stream().map(BuildOutput::getPath).toList();
        runner.dispatchUpload(new UploadRequest(key, context.namespace(), context.build().getMetadata().getName(),
                new BuilderAddress(pod.getStatus().getPodIP(), sshPort, sshUser), credentials.get(), outputs,
                destination));
        return StepOutcome.requeue(progressRequeue);
    }

    private StepOutcome uploaded(StepContext context, UploadResult.Done done) {
        Optional<CopyTo> copyTo = CopyDestinations.copyTo(context);
        String uri = copyTo.map(CopyTo::getUri).orElse("the destination");
        String keyName = done.signedBy();
        for (BuildOutput output : context.status().getOutputs()) {
            output.setCopiedTo(uri);
            output.setSignedBy(keyName);
        }
        String uploadMessage = done.uploaded().isEmpty()
                ? "all " + done.alreadyPresent().size() + " paths of the closure were in " + uri + " already"
                : "copied " + done.uploaded().size() + " paths to " + uri + ", signed by " + keyName
                        + (done.alreadyPresent().isEmpty()
                                ? ""
                                : " (" + done.alreadyPresent().size()
                                        + " were there already)");
        List<BuildOutput> outputs = context.status().getOutputs();
        String message = "Nix: " + BuildFinisher.nixReason(context.status())
                + (outputs.isEmpty() ? "" : "; " + outputs.get(0).getPath()) + "; " + uploadMessage;
        Transitions.uploaded(context, BuildFinisher.nixReason(context.status()), uploadMessage, message,
                finisher.tail(context));
        return StepOutcome.next();
    }

    private static String failedMessage(StepContext context, UploadResult.Failed failed) {
        String uri = CopyDestinations.copyTo(context).map(CopyTo::getUri).orElse("the destination");
        return "copying the outputs to " + uri + " failed after " + failed.attempts() + " attempt"
                + (failed.attempts() == 1 ? "" : "s") + ": " + failed.message() + ". Arrived: "
                + (failed.arrived().isEmpty() ? "none" : String.join(", ", failed.arrived())) + "; not arrived: "
                + (failed.missing().isEmpty() ? "none" : String.join(", ", failed.missing()));
    }
}
