package dev.nixpool.runner;

/**
 * Does the work of a run outside the runner's threads: the gateway's connection to the Nix client that asked for the
 * build. Told once, on the reconcile thread that dispatched the run, when the build's builder is Ready; it must only
 * hand the run on (to the connection waiting for it), never wait.
 */
@FunctionalInterface
public interface RunDriver {

    void assigned(RunRequest request, AttachedRun run);
}
