package dev.nixpool.runner;

/**
 * Told when a run reaches a {@link RunMilestone}, on the run's thread, after its progress shows the milestone (so a
 * reconcile woken by the call sees it). It should only hand the news on, never wait: the run waits for it. Runs that
 * were cancelled tell nothing more; their build has moved on.
 */
@FunctionalInterface
public interface RunListener {

    void reached(RunRequest request, RunMilestone milestone);
}
