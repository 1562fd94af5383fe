package dev.nixpool.lifecycle;

import java.util.EnumMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import dev.nixpool.api.v1alpha1.NixBuildPhase;

/** The NixBuild state machine: runs the step of the build's current phase (Pending when it has none yet). */
@ApplicationScoped
public class NixBuildLifecycle {

    private final Map<NixBuildPhase, LifecycleStep> steps = new EnumMap<>(NixBuildPhase.class);

    public NixBuildLifecycle(Instance<LifecycleStep> available) {
        for (LifecycleStep step : available) {
            LifecycleStep previous = steps.put(step.phase(), step);
            if (previous != null) {
                throw new IllegalStateException("two lifecycle steps for phase " + step.phase() + ": "
                        + previous.getClass().getName() + " and " + step.getClass().getName());
            }
        }
    }

    /** Phases without a step (the final ones, and those a later release adds) wait for events. */
    public StepOutcome run(StepContext context) {
        NixBuildPhase phase = context.status().getPhase() != null ? context.status().getPhase() : NixBuildPhase.Pending;
        LifecycleStep step = steps.get(phase);
        return step != null ? step.run(context) : StepOutcome.waitForEvents();
    }
}
