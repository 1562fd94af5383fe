package dev.nixpool.runner;

import dev.nixpool.remote.BuilderAddress;

/**
 * A Ready builder whose connection the operator keeps open between builds: where it listens and its pod's name.
 *
 * @param reusable it serves build after build (a pool with {@code ephemeral: false}); an ephemeral builder's connection
 *        serves its one build and goes with it
 */
public record KeptBuilder(BuilderAddress address, String pod, boolean reusable) {
}
