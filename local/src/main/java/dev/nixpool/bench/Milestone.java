package dev.nixpool.bench;

/** The moments of a NixBuild's life the lifecycle benchmark times, in the order they happen. */
enum Milestone {
    /** The benchmark's create call returned. */
    CREATED,
    /** Phase Scheduled (or later) first seen: a pool and a builder slot were chosen. */
    SCHEDULED,
    /** The build's builder pod first seen Ready (the builder runtime's TCP probe on its SSH port passed). */
    POD_READY,
    /** Condition BuilderReady=True: the operator logged in over SSH and did the serve handshake. */
    BUILDER_READY,
    /** status.derivation set: the expression was evaluated on the builder. */
    EVALUATED,
    /**
     * The build command running on the builder: the derivation's builder process started there ({@link BuilderStamp},
     * the builder's own clock, read from status.logTail), not when a status said so.
     */
    COMMAND_ON_BUILDER,
    /** status.buildStatus or outputs set: Nix's build result came back. */
    BUILT,
    /** Phase Succeeded. */
    SUCCEEDED
}
