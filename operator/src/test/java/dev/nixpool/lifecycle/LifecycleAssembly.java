package dev.nixpool.lifecycle;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.nixpool.config.BuilderDefaults;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.logs.LogStore;
import dev.nixpool.runner.AttachedRuns;
import dev.nixpool.runner.BuildRunner;

/**
 * The lifecycle wired by hand as CDI wires it, around the given cluster writes and runner (a restarted operator is a new
 * assembly: all in-memory state anew). New builders are named predictably: {@code <pool>-<slot>-s1}, {@code -s2}, ...
 */
final class LifecycleAssembly {

    final CapacityLedger ledger;
    final RetryBackoff backoff;
    final BuilderProvisioner provisioner;
    final NixBuildLifecycle lifecycle;
    final PoolScaler scaler;
    final AttachedRuns attached = new AttachedRuns();

    LifecycleAssembly(BuilderResources resources, BuildRunner runner, LogStore logs, NixpoolConfig config) {
        this(resources, runner, logs, config, Instant.EPOCH);
    }

    LifecycleAssembly(BuilderResources resources, BuildRunner runner, LogStore logs, NixpoolConfig config,
            Instant started) {
        AtomicInteger names = new AtomicInteger();
        ledger = new CapacityLedger(BuilderDefaults.from(config), config.builder().keepFailed(), started,
                () -> "s" + names.incrementAndGet(), config.scheduling());
        provisioner = new BuilderProvisioner(resources, config);
        backoff = new RetryBackoff(config);
        BuildFinisher finisher = new BuildFinisher(logs, config);
        BuilderLoss loss = new BuilderLoss(provisioner, runner, ledger, backoff, finisher);
        RunDispatcher dispatcher = new RunDispatcher(provisioner, runner, config, attached);
        BuilderAttempt attempt = new BuilderAttempt(provisioner, runner, dispatcher, loss, finisher, ledger);
        CopyDestinations destinations = new CopyDestinations(resources);
        EndedStep ended = new EndedStep(provisioner, runner, ledger, config);
        scaler = new PoolScaler(ledger, provisioner);
        lifecycle = new NixBuildLifecycle(List.of(new PendingStep(ledger, provisioner, backoff, finisher, config),
                new ScheduledStep(attempt, config), new BuildingStep(attempt, config),
                new UploadingStep(attempt, provisioner, runner, destinations, finisher, config),
                new EndedStep.Succeeded(ended), new EndedStep.Failed(ended)), runner, finisher, ledger, backoff,
                provisioner, config.runner().defaultBuildTimeout());
    }
}
