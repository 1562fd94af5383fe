package dev.nixpool.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * Time limits of one SSH connection. Every wait of the transport is bounded by one of them, so a peer that accepts TCP
 * and then says nothing fails in a known time instead of hanging a reconcile loop.
 *
 * @param connect TCP connect
 * @param auth key exchange plus authentication, from TCP connected to logged in
 * @param channelOpen opening an exec channel and having the command accepted
 * @param keepAliveInterval how often an idle session sends {@code keepalive@openssh.com}; zero turns keep-alives off
 * @param keepAliveMaxMissed unanswered keep-alives after which the session is closed as dead
 */
public record SshTimeouts(Duration connect, Duration auth, Duration channelOpen, Duration keepAliveInterval,
        int keepAliveMaxMissed) {

    public SshTimeouts {
        requirePositive(connect, "connect");
        requirePositive(auth, "auth");
        requirePositive(channelOpen, "channelOpen");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        if (keepAliveInterval.isNegative()) {
            throw new IllegalArgumentException("keepAliveInterval must not be negative, got " + keepAliveInterval);
        }
        if (keepAliveMaxMissed < 1) {
            throw new IllegalArgumentException("keepAliveMaxMissed must be at least 1, got " + keepAliveMaxMissed);
        }
    }

    /** What the operator uses: generous for a pod that just became ready, tight enough to notice a dead one. */
    public static SshTimeouts defaults() {
        return new SshTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(15), 3);
    }

    /** One limit for connect, authentication and channel open alike (the CLI's {@code --timeout}). */
    public static SshTimeouts uniform(Duration limit) {
        SshTimeouts d = defaults();
        return new SshTimeouts(limit, limit, limit, d.keepAliveInterval(), d.keepAliveMaxMissed());
    }

    public SshTimeouts withKeepAlive(Duration interval, int maxMissed) {
        return new SshTimeouts(connect, auth, channelOpen, interval, maxMissed);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " timeout must be positive, got " + d);
        }
    }
}
