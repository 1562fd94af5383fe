package dev.nixpool.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The connector's transport settings. */
class SshConnectorTest {

    @Test
    void smallPacketsAreNotHeldBackForAnAck() {
        try (SshConnector connector = new SshConnector()) {
            assertThat(connector.noDelay()).as("TCP_NODELAY").isTrue();
        }
    }
}
