package dev.nixpool.lifecycle;

import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * The work of one NixBuild phase. A step is idempotent: run twice on the same state it changes nothing more and creates
 * nothing new. It moves the build on by setting {@code status.phase}; the next reconcile runs the next phase's step.
 * New phases (connect, evaluate, build, collect, finish) are new implementations of this interface, nothing else.
 */
public interface LifecycleStep {

    NixBuildPhase phase();

    StepOutcome run(StepContext context);
}
