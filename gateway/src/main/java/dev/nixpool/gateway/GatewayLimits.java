package dev.nixpool.gateway;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Bounds on what a client can make the gateway hold: the inputs it uploads before BuildDerivation are spooled under
 * {@code spoolDir}, at most {@code maxSpoolBytes} per connection and {@code maxTotalSpoolBytes} for all together; any
 * other request may be at most {@code maxRequestBytes}; a connection silent for {@code idleTimeout} is closed.
 */
public record GatewayLimits(Path spoolDir, long maxSpoolBytes, long maxTotalSpoolBytes, int maxSpoolPaths,
        long maxRequestBytes, int maxConnections, Duration idleTimeout) {

    public GatewayLimits {
        if (maxSpoolBytes <= 0 || maxTotalSpoolBytes <= 0 || maxSpoolPaths <= 0 || maxRequestBytes <= 0
                || maxConnections <= 0) {
            throw new IllegalArgumentException("gateway limits must be positive");
        }
    }
}
