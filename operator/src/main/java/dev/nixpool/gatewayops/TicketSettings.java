package dev.nixpool.gatewayops;

import java.time.Duration;

/** How a client's ticket waits for its builder: it looks at its NixBuild every {@code queuePoll}. */
public record TicketSettings(Duration queuePoll) {
}
