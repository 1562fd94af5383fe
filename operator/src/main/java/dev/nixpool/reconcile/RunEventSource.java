package dev.nixpool.reconcile;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.runner.RunListener;
import dev.nixpool.runner.RunMilestone;
import dev.nixpool.runner.RunRequest;
import dev.nixpool.runner.UploadListener;
import dev.nixpool.runner.UploadRequest;

/**
 * The runner's milestones as JOSDK events: each one wakes a reconcile of exactly the run's NixBuild, which then writes
 * the milestone to its status. JOSDK runs one reconcile per build at a time and follows a reconcile in progress with
 * another one when an event came meanwhile, so a milestone reached while its build is being reconciled is not lost.
 * Before the source is started (operator start-up) an event is dropped; the lifecycle's safety requeue covers that.
 */
public class RunEventSource extends SimpleInboundEventSource<NixBuild> implements RunListener, UploadListener {

    public static final String NAME = "runs";

    public RunEventSource() {
        super(NAME);
    }

    @Override
    public void reached(RunRequest request, RunMilestone milestone) {
        propagateEvent(new ResourceID(request.name(), request.namespace()));
    }

    /** An upload's progress wakes its build the same way. */
    @Override
    public void progressed(UploadRequest request) {
        propagateEvent(new ResourceID(request.name(), request.namespace()));
    }
}
