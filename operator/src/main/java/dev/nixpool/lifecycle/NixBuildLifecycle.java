package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.config.NixpoolConfig;
import dev.nixpool.runner.BuildRunner;
import dev.nixpool.status.Reason;
import dev.nixpool.validation.SpecValidation;

/**
 * The NixBuild state machine: runs the step of the build's current phase (Pending when it has none yet), after one
 * rule that holds in every phase: the build's time limit ({@link BuildDeadline}: {@code spec.timeoutSeconds}, or the
 * cluster's default when shorter or unset) is wall-clock time since {@code status.startTime}, time spent waiting for a
 * builder included.
 */
@ApplicationScoped
public class NixBuildLifecycle {

    private final Map<NixBuildPhase, LifecycleStep> steps = new EnumMap<>(NixBuildPhase.class);
    private final BuildRunner runner;
    private final BuildFinisher finisher;
    private final CapacityLedger ledger;
    private final RetryBackoff backoff;
    private final BuilderProvisioner provisioner;
    private final Optional<Duration> defaultTimeout;

    @Inject
    public NixBuildLifecycle(Instance<LifecycleStep> available, BuildRunner runner, BuildFinisher finisher,
            CapacityLedger ledger, RetryBackoff backoff, BuilderProvisioner provisioner, NixpoolConfig config) {
        this((Iterable<LifecycleStep>) available, runner, finisher, ledger, backoff, provisioner,
                config.runner().defaultBuildTimeout());
    }

    /** Without a cluster-wide default time limit: only a build's own spec.timeoutSeconds ends it. */
    public NixBuildLifecycle(Iterable<? extends LifecycleStep> available, BuildRunner runner,
            BuildFinisher finisher, CapacityLedger ledger, RetryBackoff backoff, BuilderProvisioner provisioner) {
        this(available, runner, finisher, ledger, backoff, provisioner, Optional.empty());
    }

    public NixBuildLifecycle(Iterable<? extends LifecycleStep> available, BuildRunner runner,
            BuildFinisher finisher, CapacityLedger ledger, RetryBackoff backoff, BuilderProvisioner provisioner,
            Optional<Duration> defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
        this.provisioner = provisioner;
        this.runner = runner;
        this.finisher = finisher;
        this.ledger = ledger;
        this.backoff = backoff;
        for (LifecycleStep step : available) {
            LifecycleStep previous = steps.put(step.phase(), step);
            if (previous != null) {
                throw new IllegalStateException("two lifecycle steps for phase " + step.phase() + ": "
                        + previous.getClass().getName() + " and " + step.getClass().getName());
            }
        }
    }

    /**
     * Runs the step of the build's phase, after the rules of every phase: a spec the schema let through but the
     * operator cannot serve waits in Pending, and the build's time limit fails it. Phases without a step
     * wait for events. A build that reached a final phase gives back its slot.
     */
    public StepOutcome run(StepContext context) {
        Transitions.admitted(context);
        NixBuildPhase phase = context.status().getPhase();
        NixBuildPhase before = phase;
        if (phase == NixBuildPhase.Pending) {
            List<String> problems = SpecValidation.problems(context.build().getSpec());
            if (!problems.isEmpty()) {
                Transitions.invalidSpec(context, "the spec is invalid: " + String.join("; ", problems));
                return StepOutcome.waitForEvents();
            }
        }
        Optional<String> overdue = phase.isFinal() ? Optional.empty() : overdue(context);
        StepOutcome outcome;
        if (overdue.isPresent()) {
            runner.end(context.build().getMetadata().getUid());
            Transitions.timedOut(context, overdue.get(), finisher.tail(context));
            outcome = StepOutcome.next();
        } else {
            outcome = runSteps(context, phase);
        }
        if (context.status().getPhase().isFinal()) {
            if (before.isFinal()) {
                ledger.forget(SchedulingInputs.key(context.build()), context.now());
            } else {
                releaseEnded(context);
            }
        }
        return wakeByDeadline(context, outcome);
    }

    /**
     * Runs the phase's step, and at once the step of Scheduled or of a final phase when a step moved the build there and
     * asks to go on: a build given a Ready builder dispatches in the same reconcile (no requeue between Pending and
     * Scheduled), and an ended one frees its builder at once. Building is entered by the run's own events.
     */
    private StepOutcome runSteps(StepContext context, NixBuildPhase phase) {
        StepOutcome outcome = StepOutcome.waitForEvents();
        NixBuildPhase current = phase;
        for (int i = 0; i < NixBuildPhase.values().length; i++) {
            LifecycleStep step = steps.get(current);
            outcome = step != null ? step.run(context) : StepOutcome.waitForEvents();
            NixBuildPhase next = context.status().getPhase();
            if (next == current || !outcome.equals(StepOutcome.next())
                    || !(next == NixBuildPhase.Scheduled || next.isFinal())) {
                break;
            }
            current = next;
        }
        return outcome;
    }

    /**
     * An error the steps did not handle (a bug, or an API server that kept failing through the reconcile's retries): the
     * build fails with the error's message rather than staying in its phase unexplained, and gives back its slot.
     */
    public StepOutcome failOnError(StepContext context, Exception error) {
        Transitions.admitted(context);
        if (context.status().getPhase().isFinal()) {
            return StepOutcome.waitForEvents();
        }
        runner.end(context.build().getMetadata().getUid());
        String message = "the operator could not handle an error in phase " + context.status().getPhase() + ": "
                + error;
        Transitions.failed(context, Reason.INTERNAL_ERROR, message, finisher.tail(context));
        releaseEnded(context);
        return StepOutcome.next();
    }

    /**
     * The build is being deleted, or is gone: its runs end (closing the session ends the remote build), it gives back
     * its builder and an ephemeral builder is deleted, kept-failed ones included (they were kept for the build). A build
     * deleted before its status named its builder (the status write and the finalizer come after the dispatch) still
     * holds it in the ledger: that claim says which builder to give back. Once per deletion.
     */
    public void deleted(StepContext context) {
        String key = SchedulingInputs.key(context.build());
        Optional<ClusterSnapshot.Claim> held = ledger.reservation(key);
        NixBuildStatus status = context.status();
        String pod = status.getBuilder() != null
                ? status.getBuilder()
                : held.map(ClusterSnapshot.Claim::pod).orElse(null);
        String machine = status.getMachine() != null
                ? status.getMachine()
                : held.map(ClusterSnapshot.Claim::machine).orElse(null);
        boolean ephemeral = BuilderLoss.isEphemeralPool(context, machine);
        runner.end(context.build().getMetadata().getUid());
        NixBuildPhase phase = status.getPhase();
        if (phase != null && phase.isFinal()) {
            ledger.forget(key, context.now());
        } else {
            ledger.release(context.namespace(), key, pod, ephemeral, context.now());
        }
        backoff.clear(key);
        // a finished build's builder was deleted when it ended: deleted again only while the cache shows it alive
        // (kept for a failed build, or left by a predecessor). An unfinished build's may not be cached yet.
        if (pod != null && ephemeral
                && (phase == null || !phase.isFinal() || EndedStep.mayStillExist(context, ledger, pod))) {
            ledger.deleteOnce(context.namespace(), pod, context.now(), () -> provisioner.delete(context.namespace(),
                    pod));
        }
    }

    /**
     * The build just ended: its builder is free now (an ephemeral one retired, a reusable one idle) and its backoff is
     * forgotten.
     */
    private void releaseEnded(StepContext context) {
        String key = SchedulingInputs.key(context.build());
        String pod = context.status().getBuilder();
        ledger.release(context.namespace(), key, pod, BuilderLoss.isEphemeralPool(context), context.now());
        backoff.clear(key);
    }

    /** A build waiting for events or a long requeue is looked at again when its time is up. */
    private StepOutcome wakeByDeadline(StepContext context, StepOutcome outcome) {
        Optional<BuildDeadline> deadline = BuildDeadline.of(context.build().getSpec(), defaultTimeout);
        NixBuildStatus status = context.status();
        if (deadline.isEmpty() || status.getStartTime() == null || status.getPhase() == null
                || status.getPhase().isFinal()) {
            return outcome;
        }
        Duration left = Duration.between(context.now(), deadline.get().from(Instant.parse(status.getStartTime())))
                .plusMillis(500);
        if (outcome.requeueAfter().map(d -> d.compareTo(left) <= 0).orElse(false)) {
            return outcome;
        }
        return StepOutcome.requeue(left.isNegative() ? Duration.ZERO : left);
    }

    private Optional<String> overdue(StepContext context) {
        Optional<BuildDeadline> deadline = BuildDeadline.of(context.build().getSpec(), defaultTimeout);
        NixBuildStatus status = context.status();
        if (deadline.isEmpty() || status.getStartTime() == null) {
            return Optional.empty();
        }
        if (context.now().isBefore(deadline.get().from(Instant.parse(status.getStartTime())))) {
            return Optional.empty();
        }
        return Optional.of(deadline.get().overdueMessage(status.getStartTime()));
    }
}
