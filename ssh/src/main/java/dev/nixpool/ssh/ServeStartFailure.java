package dev.nixpool.ssh;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.nixpool.nix.serve.ServeProtocol;

/**
 * Why {@code nix-store --serve --write} could not be started and greeted over an SSH login, worded for people: what
 * happened ({@link #what}) and, where there is one, the fix ({@link #fix}). {@code nixpool ping} prints it, the operator
 * puts it in status conditions; both map the {@link Kind} onto their own codes.
 */
public record ServeStartFailure(Kind kind, String what, String fix) {

    public enum Kind {
        /** The login printed to stdout before nix-store started (Nix: "protocol mismatch"). */
        LOGIN_OUTPUT,
        /** No nix-store on the remote PATH (exit 127, or the shell said so). */
        NIX_STORE_MISSING,
        /** The remote command ended before answering the handshake. */
        REMOTE_EXITED,
        /** The command started but did not answer the handshake in time. */
        HANDSHAKE_TIMEOUT,
        /** The command answered something the handshake does not allow. */
        HANDSHAKE_FAILED
    }

    private static final int STDERR_LINES_QUOTED = 20;

    /** {@link #what} and, if any, {@link #fix} on a line of its own. */
    public String message() {
        return fix == null ? what : what + "\n" + fix;
    }

    public static ServeStartFailure loginOutput(SshTarget target, String printed) {
        return new ServeStartFailure(Kind.LOGIN_OUTPUT, "the login on " + target + " printed text on stdout before '"
                + ServeProtocol.REMOTE_COMMAND + "' started:\n  " + printed + "\n"
                + "Nix reads stdout as its protocol, so Nix fails here with \"protocol mismatch\" (or, before Nix 2.4, "
                + "\"serialised integer ... is too large\").",
                "Move that output to stderr (echo ... >&2) or out of what non-interactive logins run: /etc/profile, "
                        + "/etc/bash.bashrc, ~/.bashrc, ~/.profile, a ForceCommand wrapper, or a MOTD/banner script.");
    }

    /** The remote command ended before it answered the handshake. */
    public static ServeStartFailure remoteExited(SshTarget target, Integer status, List<String> stderr) {
        String quoted = quote(stderr);
        if (nixStoreMissing(status, stderr)) {
            return new ServeStartFailure(Kind.NIX_STORE_MISSING,
                    "'nix-store' was not found on " + target + " (exit status " + status + ")" + quoted,
                    "Install Nix on the remote, or make nix-store reachable for non-interactive SSH logins: set PATH "
                            + "in ~/.ssh/environment (with PermitUserEnvironment) or sshd's SetEnv, or link nix-store "
                            + "into /usr/local/bin. Logins that ssh runs with a command do not read ~/.profile.");
        }
        String how = status == null ? "ended without an exit status" : "exited with status " + status;
        return new ServeStartFailure(Kind.REMOTE_EXITED, "'" + ServeProtocol.REMOTE_COMMAND + "' on " + target + " "
                + how + " before the protocol handshake" + quoted, null);
    }

    public static ServeStartFailure handshakeTimeout(SshTarget target, Duration limit, List<String> stderr) {
        return new ServeStartFailure(Kind.HANDSHAKE_TIMEOUT, "'" + ServeProtocol.REMOTE_COMMAND + "' on " + target
                + " started but did not answer the handshake within " + limit.toMillis() / 1000.0 + " s"
                + quote(stderr),
                "Check that nix-store on the remote is Nix's (2.x), and that the login is not "
                        + "waiting for input.");
    }

    public static ServeStartFailure handshakeFailed(SshTarget target, String message, List<String> stderr) {
        return new ServeStartFailure(Kind.HANDSHAKE_FAILED, "the handshake with '" + ServeProtocol.REMOTE_COMMAND
                + "' on " + target + " failed: " + message + quote(stderr), null);
    }

    public static boolean nixStoreMissing(Integer status, List<String> stderr) {
        if (status != null && status == 127) {
            return true;
        }
        return stderr.stream().map(l -> l.toLowerCase(Locale.ROOT))
                .anyMatch(l -> l.contains("nix-store") && (l.contains("not found") || l.contains("no such file")));
    }

    /** The last lines of a remote stderr as a quoted block for a message. */
    public static String quote(List<String> stderr) {
        if (stderr.isEmpty()) {
            return "; it printed nothing on stderr.";
        }
        List<String> shown = stderr.size() <= STDERR_LINES_QUOTED
                ? stderr
                : stderr.subList(stderr.size() - STDERR_LINES_QUOTED, stderr.size());
        return "; its stderr:\n" + shown.stream().map(l -> "  | " + l).collect(Collectors.joining("\n"));
    }
}
