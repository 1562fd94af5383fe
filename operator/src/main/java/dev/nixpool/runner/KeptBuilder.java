package dev.nixpool.runner;

import dev.nixpool.remote.BuilderAddress;

/** A Ready builder whose connection the operator keeps open between builds: where it listens and its pod's name. */
public record KeptBuilder(BuilderAddress address, String pod) {
}
