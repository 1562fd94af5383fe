package dev.nixpool.gateway;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Bounds on what a client can make the gateway hold: the inputs it uploads before BuildDerivation are spooled under
 * {@code spoolDir}, at most {@code maxSpoolBytes} per connection and {@code maxTotalSpoolBytes} for all together; any
 * other request may be at most {@code maxRequestBytes}; a connection silent for {@code idleTimeout} is closed. Every
 * {@code keepAliveInterval} (zero: never) the gateway asks the client whether it is alive: the answer counts as
 * activity, so a client waiting on a build that prints nothing is not cut, and {@code keepAliveMaxMissed} unanswered
 * asks in a row end the connection.
 */
public record GatewayLimits(Path spoolDir, long maxSpoolBytes, long maxTotalSpoolBytes, int maxSpoolPaths,
        long maxRequestBytes, int maxConnections, Duration idleTimeout, Duration keepAliveInterval,
        int keepAliveMaxMissed) {

    public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(30);
    public static final int DEFAULT_KEEP_ALIVE_MAX_MISSED = 4;

    public GatewayLimits {
        if (maxSpoolBytes <= 0 || maxTotalSpoolBytes <= 0 || maxSpoolPaths <= 0 || maxRequestBytes <= 0
                || maxConnections <= 0 || keepAliveMaxMissed <= 0) {
            throw new IllegalArgumentException("gateway limits must be positive");
        }
        if (keepAliveInterval.isNegative()) {
            throw new IllegalArgumentException("the gateway's keep-alive interval must not be negative");
        }
    }

    /** With the default keep-alives. */
    public GatewayLimits(Path spoolDir, long maxSpoolBytes, long maxTotalSpoolBytes, int maxSpoolPaths,
            long maxRequestBytes, int maxConnections, Duration idleTimeout) {
        this(spoolDir, maxSpoolBytes, maxTotalSpoolBytes, maxSpoolPaths, maxRequestBytes, maxConnections, idleTimeout,
                DEFAULT_KEEP_ALIVE_INTERVAL, DEFAULT_KEEP_ALIVE_MAX_MISSED);
    }
}
