package dev.nixpool.ssh;

import java.io.IOException;
import java.util.Objects;

/**
 * A failed SSH step, with a {@link SshFailureReason} for code and a message for people. Messages name the target and
 * the step and never contain key material (fingerprints only), so they can go into status conditions as they are.
 */
public class SshTransportException extends IOException {

    private final SshFailureReason reason;

    public SshTransportException(SshFailureReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public SshTransportException(SshFailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public SshFailureReason reason() {
        return reason;
    }
}
