package dev.nixpool.ssh;

/** Why an SSH connection or command failed; stable names for status conditions and exit codes. */
public enum SshFailureReason {
    /** Nothing listens on the port (TCP RST). */
    CONNECTION_REFUSED,
    /** No route, unknown host name, network down. */
    UNREACHABLE,
    /** A step did not finish within its {@link SshTimeouts} limit. */
    TIMEOUT,
    /** The server presented a host key other than the pinned one, or none of the pinned type. */
    HOST_KEY_MISMATCH,
    /** The server did not accept our client key. */
    AUTH_REFUSED,
    /** The session is up but the server refused to open a channel or run the command. */
    CHANNEL_FAILED,
    /** The server closed the connection or stopped answering (keep-alive) while it was in use. */
    DISCONNECTED,
    /** A key given to us cannot be read (bad format, encrypted, unsupported type). */
    INVALID_KEY,
    /** Anything the SSH library reports that fits none of the above; the message says what. */
    PROTOCOL_ERROR
}
