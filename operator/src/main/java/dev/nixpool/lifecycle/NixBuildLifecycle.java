package dev.nixpool.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.nixpool.Names.Reasons;
import dev.nixpool.api.v1alpha1.NixBuildPhase;
import dev.nixpool.api.v1alpha1.NixBuildStatus;
import dev.nixpool.runner.BuildRunner;

/**
 * The NixBuild state machine: runs the step of the build's current phase (Pending when it has none yet), after one
 * rule that holds in every phase: {@code spec.timeoutSeconds} is wall-clock time since {@code status.startTime}, time
 * spent waiting for a builder included.
 */
@ApplicationScoped
public class NixBuildLifecycle {

    private final Map<NixBuildPhase, LifecycleStep> steps = new EnumMap<>(NixBuildPhase.class);
    private final BuildRunner runner;
    private final BuildFinisher finisher;

    @Inject
    public NixBuildLifecycle(Instance<LifecycleStep> available, BuildRunner runner, BuildFinisher finisher) {
        this((Iterable<LifecycleStep>) available, runner, finisher);
    }

    public NixBuildLifecycle(Iterable<? extends LifecycleStep> available, BuildRunner runner,
            BuildFinisher finisher) {
        this.runner = runner;
        this.finisher = finisher;
        for (LifecycleStep step : available) {
            LifecycleStep previous = steps.put(step.phase(), step);
            if (previous != null) {
                throw new IllegalStateException("two lifecycle steps for phase " + step.phase() + ": "
                        + previous.getClass().getName() + " and " + step.getClass().getName());
            }
        }
    }

    /** Phases without a step wait for events. */
    public StepOutcome run(StepContext context) {
        NixBuildPhase phase = context.status().getPhase() != null ? context.status().getPhase() : NixBuildPhase.Pending;
        Optional<String> overdue = phase.isFinal() ? Optional.empty() : overdue(context);
        if (overdue.isPresent()) {
            runner.end(context.build().getMetadata().getUid());
            context.status().setBuildStatus(Reasons.TIMED_OUT);
            finisher.failed(context, Reasons.TIMED_OUT, overdue.get());
            return StepOutcome.next();
        }
        LifecycleStep step = steps.get(phase);
        StepOutcome outcome = step != null ? step.run(context) : StepOutcome.waitForEvents();
        return wakeByDeadline(context, outcome);
    }

    /** A build waiting for events or a long requeue is looked at again when its time is up. */
    private static StepOutcome wakeByDeadline(StepContext context, StepOutcome outcome) {
        Long timeout = context.build().getSpec().getTimeoutSeconds();
        NixBuildStatus status = context.status();
        if (timeout == null || status.getStartTime() == null || status.getPhase() == null
                || status.getPhase().isFinal()) {
            return outcome;
        }
        Duration left = Duration.between(context.now(), Instant.parse(status.getStartTime()).plusSeconds(timeout))
                .plusMillis(500);
        if (outcome.requeueAfter().map(d -> d.compareTo(left) <= 0).orElse(false)) {
            return outcome;
        }
        return StepOutcome.requeue(left.isNegative() ? Duration.ZERO : left);
    }

    static Optional<String> overdue(StepContext context) {
        Long timeout = context.build().getSpec().getTimeoutSeconds();
        NixBuildStatus status = context.status();
        if (timeout == null || status.getStartTime() == null) {
            return Optional.empty();
        }
        Instant deadline = Instant.parse(status.getStartTime()).plusSeconds(timeout);
        if (context.now().isBefore(deadline)) {
            return Optional.empty();
        }
        return Optional.of("the build did not finish within spec.timeoutSeconds (" + timeout + "s since it started at "
                + status.getStartTime() + ", waiting for a builder included)");
    }
}
