package dev.nixpool.remote.ssh;

import java.time.Duration;
import java.util.Objects;

import dev.nixpool.ssh.SshTimeouts;

/**
 * Time limits of a builder session. Everything but a build is bounded: a request whose answer does not come within its
 * limit closes the session. A build has no limit of ours (Nix's own maxSilentTime/buildTimeout apply on the builder);
 * SSH keep-alive ({@link SshTimeouts#keepAliveInterval()}) notices a dead builder meanwhile.
 *
 * @param ssh connect, login, channel open and keep-alive
 * @param handshake from starting {@code nix-store --serve --write} to its version answer
 * @param operation each serve request other than building: QueryValidPaths, QueryPathInfos, QueryClosure,
 *        DumpStorePath of a .drv
 * @param evaluation evaluating an expression or flake with {@code nix-instantiate} / {@code nix path-info}, and
 *        substituting a derivation path from the builder's substituters
 */
public record BuilderTimeouts(SshTimeouts ssh, Duration handshake, Duration operation, Duration evaluation) {

    public BuilderTimeouts {
        Objects.requireNonNull(ssh, "ssh");
        requirePositive(handshake, "handshake");
        requirePositive(operation, "operation");
        requirePositive(evaluation, "evaluation");
    }

    /** SSH defaults, 30 s for the handshake, 120 s per request, 10 min for an evaluation. */
    public static BuilderTimeouts defaults() {
        return new BuilderTimeouts(SshTimeouts.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(120),
                Duration.ofMinutes(10));
    }

    public BuilderTimeouts withOperation(Duration limit) {
        return new BuilderTimeouts(ssh, handshake, limit, evaluation);
    }

    public BuilderTimeouts withEvaluation(Duration limit) {
        return new BuilderTimeouts(ssh, handshake, operation, limit);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " timeout must be positive, got " + d);
        }
    }
}
