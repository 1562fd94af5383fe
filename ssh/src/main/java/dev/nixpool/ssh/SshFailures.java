package dev.nixpool.ssh;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;

/** Turns what MINA throws into a {@link SshTransportException} whose message says which step failed and why. */
final class SshFailures {

    /** The step of a connection that failed, worded for messages. */
    enum Step {
        CONNECT("connecting to", "connection setup"), AUTHENTICATE("logging in to",
                "login"), OPEN_CHANNEL("starting the command on", "command start");

        final String doing;
        final String during;

        Step(String doing, String during) {
            this.doing = doing;
            this.during = during;
        }
    }

    private SshFailures() {
    }

    static SshTransportException classify(Step step, SshTarget target, Throwable error, HostKeyPin pin,
            ClientSession session, KeyPair clientKey, Duration limit) {
        if (error instanceof SshTransportException typed) {
            return typed;
        }
        if (pin != null && pin.mismatched()) {
            return new SshTransportException(SshFailureReason.HOST_KEY_MISMATCH,
                    "host key mismatch for " + target + ": expected " + pin.describeAccepted()
                            + ", but the server presented " + HostKeyPin.describe(pin.presented())
                            + "; the connection was closed before logging in",
                    error);
        }
        String detail = rootMessage(error);
        if (has(error, ConnectException.class)) {
            return new SshTransportException(SshFailureReason.CONNECTION_REFUSED,
                    "connection refused by " + target + ": nothing listens on port " + target.port()
                            + " (is sshd running there?)",
                    error);
        }
        if (has(error, UnknownHostException.class) || has(error, UnresolvedAddressException.class)) {
            return new SshTransportException(SshFailureReason.UNREACHABLE,
                    "cannot resolve the host name '" + target.host() + "' of " + target, error);
        }
        if (has(error, NoRouteToHostException.class) || has(error, PortUnreachableException.class)) {
            return new SshTransportException(SshFailureReason.UNREACHABLE,
                    target + " is unreachable: " + detail, error);
        }
        if (has(error, TimeoutException.class) || has(error, SocketTimeoutException.class)
                || has(error, InterruptedByTimeoutException.class)) {
            return new SshTransportException(SshFailureReason.TIMEOUT, timeoutMessage(step, target, session, limit),
                    error);
        }
        if (step == Step.AUTHENTICATE && pin != null
                && detail.contains("Unable to negotiate key exchange for server host key")) {
            return new SshTransportException(SshFailureReason.HOST_KEY_MISMATCH,
                    target + " has no host key of the pinned type: expected " + pin.describeAccepted() + " (" + detail
                            + ")",
                    error);
        }
        if (step == Step.AUTHENTICATE && detail.contains("No more authentication methods available")) {
            return new SshTransportException(SshFailureReason.AUTH_REFUSED,
                    target + " refused the client key " + HostKeyPin.describe(clientKey.getPublic())
                            + ": public key authentication failed; is that key in " + target.user()
                            + "'s authorized_keys on the server?",
                    error);
        }
        if (has(error, SshChannelOpenException.class)) {
            return new SshTransportException(SshFailureReason.CHANNEL_FAILED,
                    target + " refused to open a session channel: " + detail, error);
        }
        if (session != null && !session.isOpen()) {
            return new SshTransportException(SshFailureReason.DISCONNECTED,
                    target + " closed the connection during " + step.during + ": " + detail,
                    error);
        }
        return new SshTransportException(SshFailureReason.PROTOCOL_ERROR,
                "SSH failure while " + step.doing + " " + target + ": " + detail, error);
    }

    private static String timeoutMessage(Step step, SshTarget target, ClientSession session, Duration limit) {
        String after = "timed out after " + seconds(limit) + " ";
        return switch (step) {
            case CONNECT -> after + "connecting to " + target + " (no TCP answer; is the address right, or are packets"
                    + " dropped on the way?)";
            case AUTHENTICATE -> session == null || session.getServerVersion() == null
                    ? after + "waiting for " + target + " to send its SSH version: the port accepts connections but "
                            + "no SSH server answers on it"
                    : after + "during key exchange and login with " + target + " (server " + session.getServerVersion()
                            + ")";
            case OPEN_CHANNEL -> after + "waiting for " + target + " to open a session channel and start the command";
        };
    }

    static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format("%.1f s", millis / 1000.0);
    }

    private static boolean has(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    static String rootMessage(Throwable error) {
        Throwable root = error;
        String message = error.getMessage();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            if (root.getMessage() != null) {
                message = root.getMessage();
            }
        }
        return message == null ? root.getClass().getSimpleName() : message;
    }
}
