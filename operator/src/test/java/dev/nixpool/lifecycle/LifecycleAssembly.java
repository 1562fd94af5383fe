package dev.nixpool.lifecycle;

import java.util.List;

import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.runner.BuildRunner;

/**
 * The lifecycle wired by hand as CDI wires it, around the given cluster writes and runner (a restarted operator is a new
 * assembly: all in-memory state anew).
 */
final class LifecycleAssembly {

    final CapacityLedger ledger = new CapacityLedger();
    final RetryBackoff backoff;
    final BuilderProvisioner provisioner;
    final NixBuildLifecycle lifecycle;

    LifecycleAssembly(BuilderResources resources, BuildRunner runner, LogStore logs, NixpoolConfig config) {
        provisioner = new BuilderProvisioner(resources, config);
        backoff = new RetryBackoff(config);
        BuildFinisher finisher = new BuildFinisher(logs, config);
        BuilderLoss loss = new BuilderLoss(provisioner, runner, ledger, backoff, finisher);
        RunDispatcher dispatcher = new RunDispatcher(provisioner, runner, config);
        BuilderAttempt attempt = new BuilderAttempt(provisioner, runner, dispatcher, loss, finisher);
        EndedStep ended = new EndedStep(provisioner, runner, config);
        lifecycle = new NixBuildLifecycle(List.of(new PendingStep(ledger, provisioner, backoff, finisher, config),
                new ScheduledStep(attempt, config), new BuildingStep(attempt, config),
                new EndedStep.Succeeded(ended), new EndedStep.Failed(ended)), runner, finisher, ledger, backoff);
    }
}
