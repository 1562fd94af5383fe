package dev.nixpool.cli.ping;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;

import dev.nixpool.nix.serve.ServeProtocol;
import dev.nixpool.ssh.HostKeys;
import dev.nixpool.ssh.ServeStartFailure;
import dev.nixpool.ssh.SshTarget;
import dev.nixpool.ssh.SshTransportException;

/** Turns each way {@code nixpool ping} can end into an exit code and an explanation with the fix. */
final class PingDiagnosis {

    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;
    static final int EXIT_TIMEOUT = 4;
    static final int EXIT_HOST_KEY = 5;
    static final int EXIT_AUTH = 6;
    static final int EXIT_LOGIN_OUTPUT = 7;
    static final int EXIT_NIX_STORE_MISSING = 8;
    static final int EXIT_REMOTE_EXITED = 9;
    static final int EXIT_SSH_ERROR = 10;

    static final String EXIT_CODES = """
            exit codes:
              0   the remote speaks the serve protocol
              2   bad arguments or unreadable key
              3   connection refused or host unreachable
              4   timeout (connect, login, channel or handshake)
              5   host key mismatch, or host not in known_hosts
              6   authentication refused (client key not accepted)
              7   the login prints text on stdout before nix-store starts
              8   nix-store not found on the remote PATH
              9   the remote command exited or failed before the handshake
              10  other SSH failure (channel refused, connection dropped)
            """;

    private PingDiagnosis() {
    }

    static PingResult success(SshTarget target, int version, PublicKey hostKey) {
        return new PingResult(EXIT_OK, "ok: " + target + " runs '" + ServeProtocol.REMOTE_COMMAND + "'\n"
                + "serve protocol version: " + ServeProtocol.format(version) + "\n"
                + "host key: " + HostKeys.fingerprint(hostKey) + " (" + HostKeys.type(hostKey) + ")\n");
    }

    static PingResult badInput(String message) {
        return new PingResult(EXIT_USAGE, "nixpool ping: " + message + "\n");
    }

    static PingResult transport(SshTransportException e) {
        String message = e.getMessage();
        return switch (e.reason()) {
            case CONNECTION_REFUSED, UNREACHABLE -> fail(EXIT_UNREACHABLE, message,
                    "Check the host and port (-p), and that sshd runs and listens there.");
            case TIMEOUT -> fail(EXIT_TIMEOUT, message,
                    "Check that the host and port point at an SSH server, or raise --timeout for a slow link.");
            case HOST_KEY_MISMATCH -> fail(EXIT_HOST_KEY, message,
                    "If the host was reinstalled or the builder replaced, pin its new key (--host-key, or update "
                            + "known_hosts after checking the fingerprint out of band); otherwise do not connect: "
                            + "someone else answers at that address.");
            case AUTH_REFUSED -> fail(EXIT_AUTH, message,
                    "Add the client's public key to the remote user's ~/.ssh/authorized_keys, or pass the right key "
                            + "with -i.");
            case INVALID_KEY -> fail(EXIT_USAGE, message, null);
            case CHANNEL_FAILED, DISCONNECTED, PROTOCOL_ERROR -> fail(EXIT_SSH_ERROR, message, null);
        };
    }

    static PingResult unknownHost(SshTarget target, PublicKey presented, Path knownHosts) {
        return fail(EXIT_HOST_KEY, target + " is not in " + knownHosts + "; refusing to trust it on first use.\n"
                + "It presented the host key " + HostKeys.fingerprint(presented) + " (" + HostKeys.type(presented)
                + ").",
                "Check that fingerprint out of band (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), "
                        + "then pass it:\n  --host-key " + HostKeys.toBase64Line(presented));
    }

    /** The serve command did not start or greet; the wording is shared with the operator's builder checks. */
    static PingResult serveStart(ServeStartFailure failure) {
        int code = switch (failure.kind()) {
            case LOGIN_OUTPUT -> EXIT_LOGIN_OUTPUT;
            case NIX_STORE_MISSING -> EXIT_NIX_STORE_MISSING;
            case REMOTE_EXITED, HANDSHAKE_FAILED -> EXIT_REMOTE_EXITED;
            case HANDSHAKE_TIMEOUT -> EXIT_TIMEOUT;
        };
        return fail(code, failure.what(), failure.fix());
    }

    static PingResult loginOutput(SshTarget target, String printed) {
        return serveStart(ServeStartFailure.loginOutput(target, printed));
    }

    /** The remote command ended before it answered the handshake. */
    static PingResult remoteExited(SshTarget target, Integer status, List<String> stderr) {
        return serveStart(ServeStartFailure.remoteExited(target, status, stderr));
    }

    static PingResult handshakeTimeout(SshTarget target, Duration limit, List<String> stderr) {
        return serveStart(ServeStartFailure.handshakeTimeout(target, limit, stderr));
    }

    static PingResult protocolError(SshTarget target, String message, List<String> stderr) {
        return serveStart(ServeStartFailure.handshakeFailed(target, message, stderr));
    }

    static boolean nixStoreMissing(Integer status, List<String> stderr) {
        return ServeStartFailure.nixStoreMissing(status, stderr);
    }

    private static PingResult fail(int code, String what, String fix) {
        return new PingResult(code, "nixpool ping: " + what + "\n" + (fix == null ? "" : fix + "\n"));
    }
}
