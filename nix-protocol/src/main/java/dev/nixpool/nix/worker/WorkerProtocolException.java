package dev.nixpool.nix.worker;

import dev.nixpool.nix.wire.NixWireException;

/** The daemon ended an operation with STDERR_ERROR; {@link #error()} holds what it sent. */
public class WorkerProtocolException extends NixWireException {

    private final StderrMessage.Error error;

    public WorkerProtocolException(StderrMessage.Error error) {
        super("nix-daemon: " + error.message());
        this.error = error;
    }

    public StderrMessage.Error error() {
        return error;
    }
}
