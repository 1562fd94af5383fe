package dev.nixpool.runner;

/** What a run tells its listeners about, in the order it happens; a run that cannot go on skips to FINISHED. */
public enum RunMilestone {
    /** The session is up: SSH login with the pinned host key and the serve handshake are done. */
    CONNECTED,
    /** The source was instantiated on the builder: the .drv path is known. */
    DERIVATION_KNOWN,
    /** The run has its result: Nix's verdict, or why there is none (connect failure, misfit, lost session). */
    FINISHED
}
